"""Tracking's knobs with their types and defaults (read through core.conf.AppSettings: Django
settings, else the environment, else the default below)."""

from __future__ import annotations

from core.conf import AppSettings

_DEFAULTS = {
    # Pings older than this are deleted by the beat task `tracking.tasks.pings_prune`.
    "TRACKING_PING_RETENTION_DAYS": ("int", 30),
    # Pings per request, and how far in the future (clock skew) a ping time may be.
    "TRACKING_PING_MAX_BATCH": ("int", 200),
    "TRACKING_PING_MAX_FUTURE_S": ("int", 60),
    # At most one ETA recompute per route per this many seconds after pings (plus a trailing one).
    "TRACKING_ETA_DEBOUNCE_S": ("int", 10),
    # A requested recompute waits at most this long for the tick that runs it (with others).
    "TRACKING_ETA_TICK_S": ("float", 1.0),
    # A route past its start time and not started yet (no pings) gets its ETAs recomputed by
    # the beat's sweep this often, so they move on with the clock while the van stands.
    "TRACKING_ETA_WAITING_EVERY_S": ("int", 60),
    # A ping older than this is not used as the vehicle's position.
    "TRACKING_PING_STALE_S": ("int", 600),
    # ETA windows: the share of arrivals a window should hold. Cut per horizon once a day from
    # the errors of arrivals on the previous TRACKING_ETA_SAMPLE_DAYS days (never today's), by
    # `tracking.tasks.eta_windows_refresh`; a horizon with errors from fewer arrivals than
    # TRACKING_ETA_WINDOW_MIN_ARRIVALS keeps the prior (the default half-width below).
    "TRACKING_ETA_COVERAGE": ("float", 0.8),
    "TRACKING_ETA_WINDOW_MIN_ARRIVALS": ("int", 30),
    "TRACKING_ETA_SAMPLE_DAYS": ("int", 28),
    # How fast earlier days' errors fade when the windows are cut: an arrival d days before
    # weighs 0.5 ** (d / this) (0: all alike). 1: yesterday's errors count twice the day
    # before's; the engine keeps learning, and the errors of its first, untrained days had
    # widened the windows for four weeks (docs/benchmarks.md, "ETA windows from recent errors").
    "TRACKING_ETA_SAMPLE_HALF_LIFE_DAYS": ("float", 1.0),
    # Shift the point ETA by the median past error at its horizon (the window stays put).
    # Off: measured on the simulator once breaks are scheduled, it moved MAE at 60 min from
    # 7.4 to 7.7 min and the window did not narrow (docs/benchmarks.md, ETA accuracy).
    "TRACKING_ETA_RECENTRE": ("bool", False),
    # Within a day, each arrival outside the windows it was shown widens the rest of the day's
    # windows at the horizons it was missed at, and each inside narrows them a little, at this
    # rate (0: off; tracking.services.eta.adaptive). 0.2: a day whose windows hold 10 points
    # under the setting reaches the ~x1.25 spread that needs within about 10 arrivals; chosen
    # with the half-life above by replaying 12 traced simulator seeds (docs/benchmarks.md).
    "TRACKING_ETA_ADAPT_RATE": ("float", 0.2),
    # Within a day, each arrival later (earlier) than its ETAs moves every later window of the
    # day by a share of its time ahead, at this rate (0: off; the point ETA does not move;
    # tracking.services.eta.drift). 0.02, not 0.05: the drift is one noisy number for all
    # routes and the next days' windows are cut from the errors it left, so a fast drift
    # widened them (docs/benchmarks.md); the per-horizon adaptation covers late days as well.
    "TRACKING_ETA_DRIFT_RATE": ("float", 0.02),
    # The prior's 80 % half-width (scaled to TRACKING_ETA_COVERAGE): base + share of the horizon.
    # ±(3 min + 18 %) held about 80 % of an untrained engine's errors on the simulator's first
    # day (two seeds): too wide at 15 minutes, about right at 60, wide at 2 hours.
    "TRACKING_ETA_DEFAULT_BASE_S": ("int", 180),
    "TRACKING_ETA_DEFAULT_SHARE": ("float", 0.18),
    # A leg that took more than this many times the travel model's time is not learned from
    # (an incident, an unplanned stop, a detour): the hour's traffic and the driver's pace
    # together stay under it, and counting such legs made every next leg look slower than it
    # typically is (the point ETA after most arrivals; docs/benchmarks.md, "ETA windows from
    # recent errors"). Raise it where the travel model is far faster than the roads (free-flow
    # times in a congested city).
    "TRACKING_ETA_LEG_MAX_RATIO": ("float", 2.5),
    # A new ETA history row when the ETA moved this much, or the last row is this old.
    "TRACKING_ETA_HISTORY_MIN_CHANGE_S": ("int", 60),
    "TRACKING_ETA_HISTORY_MAX_AGE_S": ("int", 900),
    # Email the customer when the window starts this many minutes earlier or ends this many
    # later than the one they were told (or the order became late), at most this many ETA
    # e-mails per order a day (tracking.services.notifications.eta_change_is_material).
    "TRACKING_ETA_NOTIFY_SHIFT_MIN": ("int", 15),
    "TRACKING_ETA_NOTIFY_MAX_PER_DAY": ("int", 3),
    # Customer tracking page.
    "TRACKING_TOKEN_EXPIRY_DAYS": ("int", 7),
    "TRACKING_PAGE_CACHE_S": ("int", 300),
    "TRACKING_PAGE_RATE_LIMIT": ("str", "120/min"),
    # Public base URL for links in emails (no trailing slash), e.g. https://track.example.com.
    "TRACKING_PUBLIC_BASE_URL": ("str", "http://localhost:8000"),
    # Proof of delivery uploads.
    "TRACKING_POD_MAX_BYTES": ("int", 5 * 1024 * 1024),
    "TRACKING_SIGNATURE_MAX_BYTES": ("int", 512 * 1024),
    # Text messages (the delivery PIN): a provider class's dotted path, "" for none
    # (tracking.sms; the console provider prints the PIN: development only).
    "TRACKING_SMS_PROVIDER": ("str", "tracking.sms.ConsoleSmsProvider"),
    # Celery queue of the ETA and notification tasks.
    "TRACKING_QUEUE": ("str", "celery"),
}


get = AppSettings(_DEFAULTS).get
