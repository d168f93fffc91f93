"""ETA requests: debounce them per route and coalesce them into ticks.

After pings, a route is recomputed at most once per TRACKING_ETA_DEBOUNCE_S (a Redis lock,
`SET NX EX`), plus one trailing recompute when pings arrived after the last one started, so the
newest position always counts. Stop status changes and re-plans ask with `force` and recompute
at the next tick. Requests do not each start a task: the route is marked pending and one
`eta_tick` task, at most TRACKING_ETA_TICK_S later, recomputes every due route together.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.core.cache import cache

from tracking import conf
from tracking.services.cache_client import redis_client
from tracking.services.eta.refresh import routes_etas_refresh

logger = logging.getLogger(__name__)

LOCK_KEY = "tracking:eta:lock:{}"
# Routes waiting for the next tick: a Redis sorted set of "<route id>:L" (leading) or
# "<route id>:T" (trailing) members scored by when they are due. Not a queue of work: the
# recomputes run in Celery tasks; this only coalesces requests between ticks.
PENDING_KEY = "tracking:eta:pending"
TICK_KEY = "tracking:eta:tick"
# Routes per transaction; how long a scheduled tick blocks scheduling another one if it got
# lost.
TICK_CHUNK = 250
TICK_MARKER_TTL_S = 5
DIRTY_KEY = "tracking:eta:dirty:{}"
TRAIL_KEY = "tracking:eta:trail:{}"


def _redis():
    return redis_client()


def _enqueue(route_id: int, *, trailing: bool = False, countdown: float = 0) -> None:
    """Mark the route pending (due after `countdown`) and make sure a tick is coming: one
    `eta_tick` task recomputes every due route together (`routes_etas_refresh`)."""
    member = f"{route_id}:{'T' if trailing else 'L'}"
    pipe = _redis().pipeline(transaction=False)
    # NX: an earlier due time already pending for this member stands.
    pipe.zadd(cache.make_key(PENDING_KEY), {member: time.time() + (countdown or 0)}, nx=True)
    pipe.set(cache.make_key(TICK_KEY), 1, ex=TICK_MARKER_TTL_S, nx=True)
    if pipe.execute()[1]:
        _tick_send(conf.get("TRACKING_ETA_TICK_S"))


def _tick_schedule(countdown: float) -> bool:
    """Enqueue one tick unless one is already scheduled (the marker expires, so a lost task
    only delays the pending routes by TICK_MARKER_TTL_S)."""
    if not _redis().set(cache.make_key(TICK_KEY), 1, ex=TICK_MARKER_TTL_S, nx=True):
        return False
    _tick_send(countdown)
    return True


def eta_queue() -> str:
    """The queue of the ETA ticks: settings.TRACKING_ETA_QUEUE, else tracking's queue."""
    return getattr(settings, "TRACKING_ETA_QUEUE", "") or conf.get("TRACKING_QUEUE")


def _tick_send(countdown: float) -> None:
    from tracking.tasks import eta_tick

    eta_tick.apply_async(countdown=countdown or None, queue=eta_queue())


def eta_ticks_resume() -> bool:
    """Schedule a tick when requests are pending and none is scheduled (its task was lost and
    no request came since); the beat's ETA sweep calls this. True if one was scheduled."""
    next_due = _pending_next_due()
    if next_due is None:
        return False
    return _tick_schedule(countdown=max(0.0, next_due - time.time()))


def eta_request(*, route_id: int, force: bool = False) -> str:
    """Ask for a recompute of `route_id` (call after commit). Returns what was done:
    "now" (due at the next tick), "trailing" (due when the debounce lock ends) or
    "coalesced"."""
    debounce = conf.get("TRACKING_ETA_DEBOUNCE_S")
    if force or debounce <= 0:  # no debounce configured: every request recomputes
        _enqueue(route_id)
        return "now"
    # Raw Redis commands (one or two round trips per ping); the values are integers, which
    # Django's cache reads back as such.
    client, lock = _redis(), cache.make_key(LOCK_KEY.format(route_id))
    until_ms = int((time.time() + debounce) * 1000)
    if client.set(lock, until_ms, nx=True, ex=debounce):
        _enqueue(route_id)
        return "now"
    pipe = client.pipeline(transaction=False)
    pipe.set(cache.make_key(DIRTY_KEY.format(route_id)), 1, ex=debounce * 3)
    pipe.set(cache.make_key(TRAIL_KEY.format(route_id)), 1, nx=True, ex=debounce * 2)
    pipe.get(lock)
    _dirty, trail, locked_until_ms = pipe.execute()
    if trail:
        locked_until = int(locked_until_ms) / 1000 if locked_until_ms else time.time()
        _enqueue(route_id, trailing=True, countdown=max(0.0, locked_until - time.time()))
        return "trailing"
    return "coalesced"


def eta_refresh_run(*, route_id: int, trailing: bool = False, now: dt.datetime | None = None):
    """Task body: a trailing run recomputes only if pings arrived since the last recompute."""
    if trailing:
        cache.delete(TRAIL_KEY.format(route_id))
        if not cache.get(DIRTY_KEY.format(route_id)):
            return None
    cache.delete(DIRTY_KEY.format(route_id))
    return routes_etas_refresh(route_ids=[route_id], now=now, announce_later=True).get(route_id)


def _pending_take(*, until: float) -> list[str]:
    """Remove and return the pending members due by `until` (atomically: MULTI/EXEC)."""
    key = cache.make_key(PENDING_KEY)
    pipe = _redis().pipeline(transaction=True)
    pipe.zrangebyscore(key, "-inf", until)
    pipe.zremrangebyscore(key, "-inf", until)
    members, _removed = pipe.execute()
    return [m.decode() if isinstance(m, bytes) else m for m in members]


def _pending_next_due() -> float | None:
    first = _redis().zrange(cache.make_key(PENDING_KEY), 0, 0, withscores=True)
    return first[0][1] if first else None


def eta_tick_run(*, now: dt.datetime | None = None) -> int:
    """Task body of a tick: recompute every route whose request is due, together.

    The same debounce rules as `eta_refresh_run` per route: a trailing request recomputes
    only if pings arrived since the route's last recompute; a route asked for twice is
    recomputed once. Routes go in chunks of TICK_CHUNK, each one transaction; a chunk that
    fails is retried route by route, so one bad route cannot hold the others back. Schedules
    the next tick when requests are still pending. Returns how many routes were recomputed.
    """
    started = time.time()
    cache.delete(TICK_KEY)  # requests from now on schedule a new tick
    members = _pending_take(until=started)
    leading = {int(m.split(":")[0]) for m in members if m.endswith(":L")}
    trailing = {int(m.split(":")[0]) for m in members if m.endswith(":T")} - leading
    due = set(leading)
    if trailing:
        cache.delete_many([TRAIL_KEY.format(r) for r in trailing])
        dirty = cache.get_many([DIRTY_KEY.format(r) for r in trailing])
        due |= {r for r in trailing if dirty.get(DIRTY_KEY.format(r))}
    if due:
        cache.delete_many([DIRTY_KEY.format(r) for r in due])
    done = 0
    ordered = sorted(due)
    logger.debug("ETA tick: %d routes due", len(ordered))
    for index in range(0, len(ordered), TICK_CHUNK):
        chunk = ordered[index : index + TICK_CHUNK]
        try:
            done += len(routes_etas_refresh(route_ids=chunk, now=now, announce_later=True))
        except Exception:
            logger.exception("ETA batch of %s routes failed; retrying one by one", len(chunk))
            for route_id in chunk:
                try:
                    done += bool(
                        routes_etas_refresh(route_ids=[route_id], now=now, announce_later=True)
                    )
                except Exception:
                    logger.exception("ETA recompute of route %s failed", route_id)
    logger.debug("ETA tick: %d recomputed in %.3f s", done, time.time() - started)
    next_due = _pending_next_due()
    if next_due is not None:
        _tick_schedule(countdown=max(0.0, next_due - time.time()))
    return done
