"""Knobs of the optimizations API (Django settings, else the environment, else these defaults).
The queue, time limits and progress interval are routing's own (routing.conf)."""

from __future__ import annotations

from core.conf import AppSettings
from routing import conf as routing_conf

_DEFAULTS = {
    # Largest request body accepted, in bytes (matrices make VROOM inputs big: two 1,000 x 1,000
    # matrices of 5-digit numbers are about 12 MB).
    "ROUTING_OPTIMIZATION_MAX_BODY_BYTES": ("int", 16 * 1024 * 1024),
    # Most tasks (jobs + 2 per shipment) and vehicles in one request.
    "ROUTING_OPTIMIZATION_MAX_TASKS": ("int", 1000),
    "ROUTING_OPTIMIZATION_MAX_VEHICLES": ("int", 200),
}

_own = AppSettings(_DEFAULTS).get


def get(name: str):
    return _own(name) if name in _DEFAULTS else routing_conf.get(name)
