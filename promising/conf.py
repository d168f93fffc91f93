"""Promising's knobs with their types and defaults (read through core.conf.AppSettings: Django
settings, else the environment, else the default below). A depot's own settings
(`DepotPromiseSettings`) override the cut-off, service radius and window length."""

from __future__ import annotations

from core.conf import AppSettings

_DEFAULTS = {
    # A held delivery option keeps its capacity and stock this long (then a beat task expires it).
    "PROMISING_HOLD_S": ("int", 900),
    # Options quoted are valid this long: reserving an older one asks the caller to ask again.
    "PROMISING_OPTION_TTL_S": ("int", 3600),
    # Orders placed before the depot's cut-off (local time) can be delivered the next day;
    # after it, the day after.
    "PROMISING_CUTOFF": ("str", "14:00"),
    "PROMISING_SERVICE_RADIUS_M": ("int", 40000),
    "PROMISING_WINDOW_MINUTES": ("int", 120),
    # Days quoted when the caller does not say, and the most it may ask for.
    "PROMISING_DAYS": ("int", 7),
    "PROMISING_MAX_DAYS": ("int", 21),
    # Quotes read a depot's calendar (shifts, forecast, orders booked) and stock from a cache
    # (0: never). Holds, orders, shifts and stock changes drop it at once
    # (promising.selectors.quotes); this bounds what changes without telling it (the forecast,
    # purchase orders, the learned stops per hour). A hold re-checks its slot exactly.
    "PROMISING_QUOTE_CACHE_S": ("int", 300),
    # Price days whose routes are already live by inserting into them (routing's
    # marginal_cost). Off by default: it builds the day's whole problem for each slot (seconds
    # for a 120-stop plan), far too slow for a checkout; quotes then use the estimate.
    "PROMISING_LIVE_COST": ("bool", False),
    # Options less likely to be kept than this are not offered.
    "PROMISING_MIN_CONFIDENCE": ("float", 0.0),
}

_settings = AppSettings(_DEFAULTS)


def get(name: str):
    return _settings.get(name)
