"""What routing borrows from the apps above it for live insertion previews."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone


@dataclass
class LiveHooks:
    """What routing borrows from the apps above it for live previews: their clock, the ETA
    engine for a proposed sequence (`sequence_etas(route, stops, now)` -> {stop pk or None for
    the new stop: (eta, low, high, is_late_risk)}) and the refresh after a write."""

    now: Callable[[], dt.datetime] = timezone.now
    sequence_etas: Callable | None = None
    routes_changed: Callable[[list[int]], None] | None = None


live = LiveHooks()


def live_hooks_register(**hooks) -> None:
    for name, value in hooks.items():
        setattr(live, name, value)
