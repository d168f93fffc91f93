"""Carriers' knobs (core.conf.AppSettings: Django settings, else the environment, else these)."""

from __future__ import annotations

from core.conf import AppSettings

_DEFAULTS = {
    # Seconds between the sandbox carrier's simulated tracking events.
    "CARRIERS_SANDBOX_STEP_S": ("int", 120),
    # Share of sandbox shipments (in %) that end in a delivery exception.
    "CARRIERS_SANDBOX_EXCEPTION_PERCENT": ("int", 5),
}

get = AppSettings(_DEFAULTS).get
