"""The one clock of tracking: every "now" in the ETA engine, pings, pages and notifications.

A fleet simulator drives the system with a simulated clock: `clock_set(at, speed=...)` stores an
anchor (simulated instant, real instant, speed factor) in the shared cache, so web and worker
processes agree; `now()` then returns `at + (real elapsed) x speed`. Without an anchor — or
with `TRACKING_SIMULATED_CLOCK = False` — it is plain `timezone.now()`. Services also accept an
explicit `now=` so tests and the simulator can pin an instant.
"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

CACHE_KEY = "tracking:clock"
# Read the anchor at most this often per process (it changes rarely; pings are hot).
_LOCAL_TTL_S = 1.0
_local: dict = {"read_at": -1e9, "anchor": None}


def _anchor():
    mono = time.monotonic()
    if mono - _local["read_at"] > _LOCAL_TTL_S:
        _local["anchor"] = cache.get(CACHE_KEY)
        _local["read_at"] = mono
    return _local["anchor"]


def now() -> dt.datetime:
    if not getattr(settings, "TRACKING_SIMULATED_CLOCK", True):
        return timezone.now()
    anchor = _anchor()
    if not anchor:
        return timezone.now()
    sim = dt.datetime.fromisoformat(anchor["sim"])
    return sim + dt.timedelta(seconds=(time.time() - anchor["real"]) * anchor["speed"])


def clock_set(*, at: dt.datetime, speed: float = 1.0) -> None:
    """Start simulated time at `at`, running `speed` times faster than real time."""
    if timezone.is_naive(at):
        raise ValueError("the simulated time needs a time zone")
    if speed <= 0:
        raise ValueError("speed must be positive")
    cache.set(CACHE_KEY, {"sim": at.isoformat(), "real": time.time(), "speed": speed}, None)
    _local["read_at"] = -1e9


def clock_reset() -> None:
    """Back to real time."""
    cache.delete(CACHE_KEY)
    _local["read_at"] = -1e9
