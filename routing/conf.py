"""Routing's knobs with their types and defaults (read through core.conf.AppSettings: Django
settings, else the environment, else the default below)."""

from __future__ import annotations

from core.conf import AppSettings

_DEFAULTS = {
    # A stop promised at checkout is planned to arrive this long before its promised window
    # ends: arrivals miss the plan by the ETA error, and the promise is the window's end.
    "ROUTING_PROMISE_MARGIN_S": ("int", 1800),
    # Celery queue the optimisation tasks are sent to (the default worker listens on "celery").
    "ROUTING_QUEUE": ("str", "celery"),
    # Plans with more stops than this are split into parts solved in parallel (a chord).
    "ROUTING_SPLIT_ABOVE": ("int", 300),
    # Seconds the optimiser may use when the plan does not say.
    "ROUTING_DEFAULT_TIME_LIMIT_S": ("int", 10),
    "ROUTING_MAX_TIME_LIMIT_S": ("int", 600),
    # Seconds between progress writes to the job row (and cancellation polls).
    "ROUTING_PROGRESS_INTERVAL_S": ("float", 1.0),
    # Seconds the feasibility check of a manual edit may spend placing drivers' breaks.
    "ROUTING_EDIT_CHECK_TIME_LIMIT_S": ("float", 1.0),
    # OSRM base URL for road travel times; empty = haversine x detour factor / speed by hour.
    "OSRM_URL": ("str", ""),
}


get = AppSettings(_DEFAULTS).get
