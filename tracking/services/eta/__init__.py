"""ETA orchestration: debounce requests, recompute a route's remaining ETAs, learn from the truth.

Rules:
- After pings, a route is recomputed at most once per TRACKING_ETA_DEBOUNCE_S (a Redis lock),
  plus one trailing recompute when pings arrived after the last one started, so the newest
  position always counts. Stop status changes and re-plans recompute at once.
- Requests do not each start a task: the route is marked pending and one `eta_tick` task,
  at most TRACKING_ETA_TICK_S later, recomputes every due route together in a fixed number
  of set-based queries (`routes_etas_refresh`), on TRACKING_ETA_QUEUE when set (a worker of
  its own: nothing else queued delays a tick). The per-route task remains for messages
  already queued. (debounce.py)
- The drivers' speed priors missing from the cache are read for a whole tick at once, so a
  tick of first ETAs costs no query per route. (priors.py)
- Each recompute writes Stop.eta/eta_low/eta_high (columns routing reserves for tracking), the
  late-risk and next-stop flags (StopEta), an ETA history row when the ETA moved materially,
  and the route's engine state (RouteEta). It announces "arriving" when a stop becomes next and
  emails a customer whose window moved by more than TRACKING_ETA_NOTIFY_SHIFT_MIN.
  (refresh.py, from the inputs in inputs.py; writes.py)
- When a stop is reached, every ETA given for it gets its error, and the ETAs in force every
  few minutes before it become error samples by horizon; the leg's actual vs predicted travel
  time sets the speed ratio. (learning.py)
- Once a day the windows are cut per horizon from the samples of earlier days only, to hold
  TRACKING_ETA_COVERAGE of them, the recent days weighing more (TRACKING_ETA_SAMPLE_HALF_LIFE_DAYS;
  the prior until enough arrivals were measured). (windows.py)
- Within the day, each arrival outside the windows its customer was shown widens the windows
  given for the rest of the day at the horizons it was missed at, each arrival inside narrows
  them a little (adaptive conformal inference on the windows' scale, one scale per horizon
  bucket, TRACKING_ETA_ADAPT_RATE; bounded, from 1 each morning). (adaptive.py)
- Within the day, each arrival later than the ETAs its customer was shown moves every window
  given afterwards later by a share of its time ahead (the point ETA stays the van's arrival),
  each earlier one takes some back (an integral of the residual lateness per second ahead,
  TRACKING_ETA_DRIFT_RATE; bounded, from 0 each morning). (drift.py)
"""

from tracking.services.eta.debounce import (
    DIRTY_KEY,
    LOCK_KEY,
    PENDING_KEY,
    TICK_KEY,
    TRAIL_KEY,
    eta_refresh_run,
    eta_request,
    eta_tick_run,
    eta_ticks_resume,
)
from tracking.services.eta.inputs import route_signature
from tracking.services.eta.learning import route_speed_ratio, stop_reached_record
from tracking.services.eta.refresh import route_etas_refresh, routes_etas_refresh
from tracking.services.eta.windows import eta_windows_current, eta_windows_refresh

__all__ = [
    "DIRTY_KEY",
    "LOCK_KEY",
    "PENDING_KEY",
    "TICK_KEY",
    "TRAIL_KEY",
    "eta_refresh_run",
    "eta_request",
    "eta_tick_run",
    "eta_ticks_resume",
    "eta_windows_current",
    "eta_windows_refresh",
    "route_etas_refresh",
    "route_signature",
    "route_speed_ratio",
    "routes_etas_refresh",
    "stop_reached_record",
]
