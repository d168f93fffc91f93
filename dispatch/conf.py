"""The dispatch board's knobs with their types and defaults (read through core.conf.AppSettings:
Django settings, else the environment, else the default below)."""

from __future__ import annotations

from core.conf import AppSettings

_DEFAULTS = {
    # Seconds between the board's polls (side panel and map); a poll with nothing new costs one
    # cheap query and answers 204.
    "DISPATCH_POLL_S": ("float", 3.0),
    # A vehicle whose last position is older than this is drawn grey and listed as stale.
    "DISPATCH_STALE_PING_S": ("int", 300),
}


get = AppSettings(_DEFAULTS).get
