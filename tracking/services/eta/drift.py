"""Windows that follow a day running later (or earlier) than the learned ones: the within-day
drift of their centre, as `adaptive.py` is the within-day drift of their spread.

The model's arrival is the vehicle's physics (legs at the learned speed ratios, service
times, breaks); what it misses grows with the time ahead — incidents, service overruns, a pace
the priors have not caught up with — so the error of a day is roughly a share of the horizon.
That share is one number for the day, moved by every arrival (an integral controller on the
residual, like adaptive conformal inference on the windows' level):

    drift += TRACKING_ETA_DRIFT_RATE x (sum of the arrival's errors / sum of their horizons)

over the ETAs its customer was shown every SAMPLE_STEP_S before it (as for the error samples)
up to MAX_AHEAD_S, each error taken against the ETA then shown less the re-centring, so the
drift already applied is part of the model and a day whose residuals average zero keeps its
drift. Only the last hour's ETAs count: an ETA shown at 06:00 for an arrival at 11:00 was
given before the morning's arrivals moved the drift, and counting its whole error again at
every arrival would wind the drift up far past the day's lateness. A prediction
`h` seconds ahead is then moved `drift x h` later: the model arrival, so the window (the
windows are cut from the errors left after the drift); the point ETA stays the van's arrival,
as the drift is a mean lateness, incidents included, and the likeliest time is earlier (moving
the point too measured a worse mean absolute error on the simulator: docs/benchmarks.md).
The drift is global (one per day), starts at 0 every morning and stays within DRIFT_BOUNDS;
one arrival's share is clipped to ARRIVAL_BOUNDS first, so a van that started half an hour
late does not move every other customer's window much.
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache

from tracking import conf
from tracking.models import EtaRecord

# A day may run at most a fifth later or earlier than the model over its horizon.
DRIFT_BOUNDS = (-0.2, 0.2)
ARRIVAL_BOUNDS = (-0.5, 0.5)
MAX_AHEAD_S = 3600
# Kept in the cache as an integer (atomic increments) in these units.
UNITS = 1_000_000
CACHE_KEY = "tracking:eta:drift:v1:{}"
CACHE_S = 2 * 24 * 3600


def _key(day: dt.date) -> str:
    return CACHE_KEY.format(day.isoformat())


def arrival_share(*, arrived_at: dt.datetime, shown: list[tuple[int, EtaRecord]]) -> float | None:
    """How much later than the model the vehicle came, as a share of the time ahead, over the
    ETAs in `shown` ((seconds before the arrival, the ETA in force then)) at most MAX_AHEAD_S
    before it: the sum of the errors over the sum of the horizons, clipped to ARRIVAL_BOUNDS;
    None when none was shown."""
    shown = [(step, record) for step, record in shown if step <= MAX_AHEAD_S]
    horizon_s = sum(step for step, _record in shown)
    if not shown or horizon_s <= 0:
        return None
    error_s = sum(
        (arrived_at - record.eta).total_seconds() + record.shift_s for _step, record in shown
    )
    low, high = ARRIVAL_BOUNDS
    return min(max(error_s / horizon_s, low), high)


def drift_update(*, day: dt.date, share: float | None) -> float:
    """Move `day`'s drift by one arrival's `arrival_share`; returns the new drift."""
    rate = conf.get("TRACKING_ETA_DRIFT_RATE")
    if rate <= 0 or share is None:
        return drift_current(day=day)
    key = _key(day)
    cache.add(key, 0, CACHE_S)
    value = cache.incr(key, round(rate * share * UNITS))
    low, high = (round(b * UNITS) for b in DRIFT_BOUNDS)
    if not low <= value <= high:
        bounded = min(max(value, low), high)
        cache.incr(key, bounded - value)
        value = bounded
    return value / UNITS


def drift_current(*, day: dt.date) -> float:
    """`day`'s drift so far (0 with the rate at 0 or before any arrival)."""
    if conf.get("TRACKING_ETA_DRIFT_RATE") <= 0:
        return 0.0
    value = (cache.get(_key(day)) or 0) / UNITS
    return min(max(value, DRIFT_BOUNDS[0]), DRIFT_BOUNDS[1])
