"""Dispatch board settings, read from Django settings when set there, else from the environment
(the same pattern as routing.conf and tracking.conf)."""

from __future__ import annotations

import environ
from django.conf import settings

_env = environ.Env()

_DEFAULTS = {
    # Seconds between the board's polls (side panel and map); a poll with nothing new costs one
    # cheap query and answers 204.
    "DISPATCH_POLL_S": ("float", 3.0),
    # A vehicle whose last position is older than this is drawn grey and listed as stale.
    "DISPATCH_STALE_PING_S": ("int", 300),
}


def get(name: str):
    if hasattr(settings, name):
        return getattr(settings, name)
    kind, default = _DEFAULTS[name]
    return getattr(_env, kind)(name, default=default)
