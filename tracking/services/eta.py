"""ETA orchestration: debounce requests, recompute a route's remaining ETAs, learn from the truth.

Rules:
- After pings, a route is recomputed at most once per TRACKING_ETA_DEBOUNCE_S (a Redis lock,
  `cache.add`), plus one trailing recompute when pings arrived after the last one started, so
  the newest position always counts. Stop status changes and re-plans recompute at once.
- Requests do not each start a task: the route is marked pending and one `eta_tick` task,
  at most TRACKING_ETA_TICK_S later, recomputes every due route together in a fixed number
  of set-based queries (`routes_etas_refresh`). The per-route task remains for messages
  already queued.
- Each recompute writes Stop.eta/eta_low/eta_high (columns routing reserves for tracking), the
  late-risk and next-stop flags (StopEta), an ETA history row when the ETA moved materially,
  and the route's engine state (RouteEta). It announces "arriving" when a stop becomes next and
  emails a customer whose window moved by more than TRACKING_ETA_NOTIFY_SHIFT_MIN.
- When a stop is reached, every ETA given for it gets its error; those errors (by horizon)
  set future window widths, and the leg's actual vs predicted travel time the speed ratio.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import time

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Sum

from orders.models import OrderStatus
from routing.models import Route, RouteStatus, Stop, StopStatus
from routing.services import travel_provider
from tracking import clock, conf
from tracking.eta import (
    HORIZON_EDGES_S,
    ErrorQuantiles,
    EtaResult,
    EtaStop,
    blended_ratio,
    breaks_pending,
    etas_compute,
    leg_durations,
    prior_ratio,
    seconds_of_day,
)
from tracking.models import (
    EtaErrorSample,
    EtaRecord,
    LegSample,
    PositionPing,
    RouteEta,
    StopEta,
)
from tracking.services.cache_client import redis_client

logger = logging.getLogger(__name__)

LOCK_KEY = "tracking:eta:lock:{}"
# Routes waiting for the next tick: a Redis sorted set of "<route id>:L" (leading) or
# "<route id>:T" (trailing) members scored by when they are due. Not a queue of work: the
# recomputes run in Celery tasks; this only coalesces requests between ticks.
PENDING_KEY = "tracking:eta:pending"
TICK_KEY = "tracking:eta:tick"
# A ping waits at most this long for its tick (TRACKING_ETA_TICK_S overrides); routes per
# transaction; how long a scheduled tick blocks scheduling another one if it got lost.
TICK_S = 1.0
TICK_CHUNK = 250
TICK_MARKER_TTL_S = 5
DIRTY_KEY = "tracking:eta:dirty:{}"
TRAIL_KEY = "tracking:eta:trail:{}"
QUANTILES_KEY = "tracking:eta:quantiles:v2"
RATIO_KEY = "tracking:eta:ratio:{}:{}"
LOG_KEY = "tracking:eta:log"
LOG_SIZE = 200_000
# A stop's stored ETA is rewritten only when it moved at least this much (fewer writes).
WRITE_THRESHOLD_S = 15
ACTIVE_STOP_STATUSES = (StopStatus.PLANNED, StopStatus.ARRIVED)


# --- requests and debounce ------------------------------------------------------------------


def _setting(name: str, default: float) -> float:
    from django.conf import settings

    return float(getattr(settings, name, os.environ.get(name, default)))


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
        _tick_send(_setting("TRACKING_ETA_TICK_S", TICK_S))


def _tick_schedule(countdown: float) -> bool:
    """Enqueue one tick unless one is already scheduled (the marker expires, so a lost task
    only delays the pending routes by TICK_MARKER_TTL_S)."""
    if not _redis().set(cache.make_key(TICK_KEY), 1, ex=TICK_MARKER_TTL_S, nx=True):
        return False
    _tick_send(countdown)
    return True


def _tick_send(countdown: float) -> None:
    from tracking.tasks import eta_tick

    eta_tick.apply_async(countdown=countdown or None, queue=conf.get("TRACKING_QUEUE"))


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
    return route_etas_refresh(route_id=route_id, now=now)


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
            done += len(routes_etas_refresh(route_ids=chunk, now=now))
        except Exception:
            logger.exception("ETA batch of %s routes failed; retrying one by one", len(chunk))
            for route_id in chunk:
                try:
                    done += route_etas_refresh(route_id=route_id, now=now) is not None
                except Exception:
                    logger.exception("ETA recompute of route %s failed", route_id)
    logger.debug("ETA tick: %d recomputed in %.3f s", done, time.time() - started)
    next_due = _pending_next_due()
    if next_due is not None:
        _tick_schedule(countdown=max(0.0, next_due - time.time()))
    return done


# --- learned corrections ----------------------------------------------------------------------


def error_quantiles(*, refresh: bool = False) -> ErrorQuantiles:
    """Empirical (low, high) quantiles and the median of the model's errors (actual - the
    arrival before re-centring) per horizon bucket over the last TRACKING_ETA_SAMPLE_DAYS;
    buckets with fewer than TRACKING_ETA_MIN_SAMPLES are None. Cached for five minutes (it
    moves slowly and every recompute needs it)."""
    if not refresh:
        cached = cache.get(QUANTILES_KEY)
        if cached is not None:
            buckets, centres = cached
            return ErrorQuantiles(tuple(tuple(b) if b else None for b in buckets), tuple(centres))
    cutoff = clock.now() - dt.timedelta(days=conf.get("TRACKING_ETA_SAMPLE_DAYS"))
    q_low, q_high = conf.get("TRACKING_ETA_LOW_QUANTILE"), conf.get("TRACKING_ETA_HIGH_QUANTILE")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT width_bucket(horizon_s, %s::int[]) AS bucket, count(*),
                   percentile_cont(%s) WITHIN GROUP (ORDER BY error_s + shift_s),
                   percentile_cont(%s) WITHIN GROUP (ORDER BY error_s + shift_s),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY error_s + shift_s)
            FROM {EtaErrorSample._meta.db_table}
            WHERE arrived_at >= %s
            GROUP BY bucket
            """,  # noqa: S608 (table name from the model, values as parameters)
            [list(HORIZON_EDGES_S), q_low, q_high, cutoff],
        )
        rows = cursor.fetchall()
    buckets: list = [None] * (len(HORIZON_EDGES_S) + 1)
    centres: list = [None] * (len(HORIZON_EDGES_S) + 1)
    recentre = conf.get("TRACKING_ETA_RECENTRE")
    for bucket, count, low, high, median in rows:
        if count >= conf.get("TRACKING_ETA_MIN_SAMPLES"):
            buckets[bucket] = (float(low), float(high))
            centres[bucket] = float(median) if recentre else None
    cache.set(QUANTILES_KEY, (buckets, centres), 300)
    return ErrorQuantiles(tuple(buckets), tuple(centres))


def _ratio_of(queryset) -> tuple[float, int]:
    agg = queryset.aggregate(a=Sum("actual_s"), p=Sum("predicted_s"), n=Count("id"))
    if not agg["n"] or not agg["p"]:
        return 1.0, 0
    return agg["a"] / agg["p"], agg["n"]


def route_speed_ratio(*, route: Route, hour: int, now: dt.datetime) -> float:
    """This route's observed/predicted travel time so far, shrunk towards the driver's and the
    hour of day's typical ratio over the last 30 days (cached ten minutes)."""
    actual_s, predicted_s, legs = _route_legs([route.pk]).get(route.pk, (0, 0, 0))
    return blended_ratio(
        route_actual_s=actual_s,
        route_predicted_s=predicted_s,
        route_legs=legs,
        prior=_prior_ratio(route=route, hour=hour, now=now),
    )


# --- the recompute ----------------------------------------------------------------------------


def _point(order) -> tuple[float, float]:
    return (float(order.latitude), float(order.longitude))


def _eta_stop(stop: Stop) -> EtaStop:
    return EtaStop(
        key=stop.pk,
        point=_point(stop.order),
        service_s=stop.order.service_time_s,
        window_start=stop.window_start or stop.order.window_start,
        window_end=stop.window_end or stop.order.window_end,
    )


def _route_breaks(*, route: Route, stops: list[Stop], ready_at: dt.datetime):
    """(the route's breaks not taken yet, when the vehicle can drive on): a driver on a break
    taken at the last stop leaves when it ends; one at a stop takes a break due by the end of
    its service before driving on."""
    at_stop = any(s.status == StopStatus.ARRIVED for s in stops)
    breaks, resume_at = breaks_pending(
        route.breaks or [],
        departures=[s.departed_at for s in stops if s.departed_at],
        leaving_at=ready_at if at_stop else None,
        route_start=route.start_at,
    )
    return breaks, max(ready_at, resume_at) if resume_at else ready_at


def _ratio_by_hour(ratio_at):
    """`ratio_at(hour)` remembered per hour for one recompute (each leg asks at its own
    departure hour)."""
    known: dict[int, float] = {}

    def at(hour: int) -> float:
        if hour not in known:
            known[hour] = ratio_at(hour)
        return known[hour]

    return at


def _hours_ahead(*, route: Route, ready_at: dt.datetime) -> list[int]:
    """Local hours in which the route's remaining legs should depart: from `ready_at` to an
    hour past its planned end (the priors read from the cache in one round trip)."""
    tz = route.vehicle.depot.tzinfo
    end = max(ready_at, route.end_at or ready_at) + dt.timedelta(hours=1)
    first = ready_at.astimezone(tz).hour
    count = min(24, int((end - ready_at).total_seconds() // 3600) + 1)
    return [(first + k) % 24 for k in range(count)]


def _hour_prior(*, route: Route, hour: int, now: dt.datetime, known: dict) -> float:
    """`_prior_ratio` for a leg departing in `hour`. An hour not prefetched into `known` is
    read from the cache; when the cache has none, the driver's priors for all 24 hours are
    computed together (two queries) and cached, so a leg crossing into a new hour later costs
    no query."""
    key = RATIO_KEY.format(route.driver_id or 0, hour)
    if key not in known:
        cached = cache.get(key)
        if cached is not None:
            known[key] = cached
        else:
            priors = _priors_by_hour(route=route, now=now)
            cache.set_many(priors, 600)
            known.update(priors)
    return known[key]


def _priors_by_hour(*, route: Route, now: dt.datetime) -> dict[str, float]:
    """`_prior_ratio` for every hour of the route's driver, by cache key (same figures)."""
    recent = LegSample.objects.filter(at__gte=now - dt.timedelta(days=30)).exclude(route=route)
    by_hour = {
        row["hour"]: (row["a"] / row["p"], row["n"]) if row["n"] and row["p"] else (1.0, 0)
        for row in recent.values("hour").annotate(
            a=Sum("actual_s"), p=Sum("predicted_s"), n=Count("id")
        )
    }
    driver = [_ratio_of(recent.filter(driver_id=route.driver_id))] if route.driver_id else []
    return {
        RATIO_KEY.format(route.driver_id or 0, hour): prior_ratio(
            [by_hour.get(hour, (1.0, 0)), *driver]
        )
        for hour in range(24)
    }


def route_signature(stops: list[Stop]) -> str:
    raw = ";".join(f"{s.pk}:{s.sequence}:{s.status}" for s in stops)
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


def _origin(*, route: Route, stops: list[Stop], now: dt.datetime, ping):
    """(point, ready_at, ping_time): where the vehicle is and when it can drive on. `ping` is
    the vehicle's newest fresh ping as (latitude, longitude, time), or None."""
    arrived = [s for s in stops if s.status == StopStatus.ARRIVED]
    if arrived:
        stop = arrived[-1]
        done_at = (stop.arrived_at or now) + dt.timedelta(seconds=stop.order.service_time_s)
        return _point(stop.order), max(now, done_at), None
    if ping is not None:
        return (ping[0], ping[1]), now, ping[2]
    done = [s for s in stops if s.is_done and s.departed_at and s.status != StopStatus.SKIPPED]
    if done:
        last = max(done, key=lambda s: s.departed_at)
        return _point(last.order), max(now, last.departed_at), None
    depot = route.vehicle.depot
    return (float(depot.latitude), float(depot.longitude)), max(now, route.start_at), None


def _latest_pings(*, vehicle_ids, now: dt.datetime) -> dict[int, tuple]:
    """Each vehicle's newest ping within TRACKING_PING_STALE_S before `now`: one index probe per
    vehicle (LATERAL ... LIMIT 1 on the (vehicle, time) unique index), one query in all."""
    if not vehicle_ids:
        return {}
    stale = now - dt.timedelta(seconds=conf.get("TRACKING_PING_STALE_S"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT v.id, p.latitude, p.longitude, p.time
            FROM unnest(%s::bigint[]) AS v(id)
            CROSS JOIN LATERAL (
                SELECT latitude, longitude, time FROM {PositionPing._meta.db_table}
                WHERE vehicle_id = v.id AND time >= %s AND time <= %s
                ORDER BY time DESC LIMIT 1
            ) AS p
            """,  # noqa: S608 (table name from the model, values as parameters)
            [sorted(vehicle_ids), stale, now],
        )
        return {vid: (lat, lon, at) for vid, lat, lon, at in cursor.fetchall()}


def _route_legs(route_ids) -> dict[int, tuple[float, float, int]]:
    """Per route: (actual_s, predicted_s, legs) of its measured legs so far."""
    rows = (
        LegSample.objects.filter(route_id__in=route_ids)
        .values("route_id")
        .annotate(a=Sum("actual_s"), p=Sum("predicted_s"), n=Count("id"))
    )
    return {r["route_id"]: (r["a"] or 0, r["p"] or 0, r["n"]) for r in rows}


def _moved(old: dt.datetime | None, new: dt.datetime, threshold_s: float) -> bool:
    return old is None or abs((new - old).total_seconds()) >= threshold_s


def route_etas_refresh(*, route_id: int, now: dt.datetime | None = None) -> RouteEta | None:
    """Recompute the ETAs of every remaining stop of the route (see the module docstring)."""
    return routes_etas_refresh(route_ids=[route_id], now=now).get(route_id)


def routes_etas_refresh(*, route_ids, now: dt.datetime | None = None) -> dict[int, RouteEta]:
    """`route_etas_refresh` for many routes at once, in one transaction and a fixed number of
    set-based queries (about a dozen, however many routes). Returns the routes' engine states
    by route id; unknown routes are left out. The same rules and results as one by one."""
    from tracking.services import notifications, pages

    now = now or clock.now()
    wanted = sorted({int(r) for r in route_ids})
    if not wanted:
        return {}
    with transaction.atomic():
        routes = {
            r.pk: r for r in Route.objects.select_related("vehicle__depot").filter(pk__in=wanted)
        }
        if not routes:
            return {}
        ids = sorted(routes)
        RouteEta.objects.bulk_create([RouteEta(route_id=pk) for pk in ids], ignore_conflicts=True)
        # Locked in route order, so concurrent batches never wait on each other in a cycle.
        states = {
            s.route_id: s
            for s in RouteEta.objects.select_for_update()
            .filter(route_id__in=ids)
            .order_by("route_id")
        }
        by_route: dict[int, list[Stop]] = {pk: [] for pk in ids}
        for stop in (
            Stop.objects.filter(route_id__in=ids)
            .select_related("order")
            .order_by("route_id", "sequence")
        ):
            by_route[stop.route_id].append(stop)
        remaining = {
            pk: [s for s in stops if s.status == StopStatus.PLANNED]
            for pk, stops in by_route.items()
        }
        active = [pk for pk in ids if remaining[pk] and routes[pk].status != RouteStatus.COMPLETED]
        pings = _latest_pings(
            vehicle_ids={
                routes[pk].vehicle_id
                for pk in active
                if not any(s.status == StopStatus.ARRIVED for s in by_route[pk])
            },
            now=now,
        )
        legs = _route_legs(active) if active else {}
        provider = travel_provider() if active else None
        quantiles = error_quantiles() if active else None
        origins = {
            pk: _origin(
                route=routes[pk], stops=by_route[pk], now=now, ping=pings.get(routes[pk].vehicle_id)
            )
            for pk in active
        }
        hours = {
            pk: origins[pk][1].astimezone(routes[pk].vehicle.depot.tzinfo).hour for pk in active
        }
        priors = cache.get_many(
            {
                RATIO_KEY.format(routes[pk].driver_id or 0, hour)
                for pk in active
                for hour in _hours_ahead(route=routes[pk], ready_at=origins[pk][1])
            }
        )
        results: dict[int, list[EtaResult]] = {}
        for pk in active:
            route, state = routes[pk], states[pk]
            origin, ready_at, ping_time = origins[pk]
            state.ping_time = ping_time or state.ping_time
            tz = route.vehicle.depot.tzinfo
            actual_s, predicted_s, n_legs = legs.get(pk, (0, 0, 0))
            state.speed_ratio = blended_ratio(
                route_actual_s=actual_s,
                route_predicted_s=predicted_s,
                route_legs=n_legs,
                prior=_prior_ratio(route=route, hour=hours[pk], now=now, known=priors),
            )
            breaks, ready_at = _route_breaks(route=route, stops=by_route[pk], ready_at=ready_at)
            results[pk] = etas_compute(
                origin=origin,
                ready_at=ready_at,
                stops=[_eta_stop(s) for s in remaining[pk]],
                provider=provider,
                tz=tz,
                now=now,
                speed_ratio=_ratio_by_hour(
                    lambda hour, route=route, legs=(actual_s, predicted_s, n_legs): blended_ratio(
                        route_actual_s=legs[0],
                        route_predicted_s=legs[1],
                        route_legs=legs[2],
                        prior=_hour_prior(route=route, hour=hour, now=now, known=priors),
                    )
                ),
                breaks=breaks,
                quantiles=quantiles,
                default_base_s=conf.get("TRACKING_ETA_DEFAULT_BASE_S"),
                default_share=conf.get("TRACKING_ETA_DEFAULT_SHARE"),
            )
        writes = _Writes.load(by_route=by_route, remaining=remaining)
        for pk in ids:
            state = states[pk]
            state.signature = route_signature(by_route[pk])
            writes.plan(
                route=routes[pk],
                stops=by_route[pk],
                remaining=remaining[pk],
                results=results.get(pk, []),
                now=now,
                started=state.started_at is not None,
            )
            state.computed_at = now
        writes.execute()
        _states_write(list(states.values()))
        pages.pages_invalidate(tokens=[stop.order.tracking_token for stop in writes.page])
        for stop in writes.next:
            notifications.stop_became_next(stop=stop)
        for stop, result in writes.moved:
            notifications.eta_window_moved(stop=stop, low=result.low, high=result.high)
    _log([(pk, states[pk].ping_time) for pk in ids], now)
    return states


def _prior_ratio(*, route: Route, hour: int, now: dt.datetime, known=None) -> float:
    """The driver's and the hour's typical ratio (see `route_speed_ratio`), cached ten minutes;
    `known` holds values already read from the cache by key."""
    key = RATIO_KEY.format(route.driver_id or 0, hour)
    prior = known.get(key) if known is not None else cache.get(key)
    if prior is None:
        since = now - dt.timedelta(days=30)
        recent = LegSample.objects.filter(at__gte=since).exclude(route=route)
        samples = [_ratio_of(recent.filter(hour=hour))]
        if route.driver_id:
            samples.append(_ratio_of(recent.filter(driver_id=route.driver_id)))
        prior = prior_ratio(samples)
        cache.set(key, prior, 600)
        if known is not None:
            known[key] = prior
    return prior


class _Writes:
    """What one recompute batch writes: the changed stop ETAs, the flag rows, the history rows,
    and which stops' pages, next-flags or promised windows changed (for invalidation and
    notifications). Rows that did not change are not written."""

    def __init__(self, states: dict, last_records: dict):
        self.states, self.last_records = states, last_records
        self.stop_updates: list[Stop] = []
        self.state_rows: list[StopEta] = []
        self.records: list[EtaRecord] = []
        self.page: list[Stop] = []
        self.next: list[Stop] = []
        self.moved: list[tuple[Stop, EtaResult]] = []
        self.min_change = conf.get("TRACKING_ETA_HISTORY_MIN_CHANGE_S")
        self.max_age = dt.timedelta(seconds=conf.get("TRACKING_ETA_HISTORY_MAX_AGE_S"))
        self.shift_s = conf.get("TRACKING_ETA_NOTIFY_SHIFT_MIN") * 60

    @classmethod
    def load(cls, *, by_route: dict, remaining: dict) -> _Writes:
        every = [s.pk for stops in by_route.values() for s in stops]
        ahead = [s.pk for stops in remaining.values() for s in stops]
        states = {se.stop_id: se for se in StopEta.objects.filter(stop_id__in=every)}
        last_records = (
            {
                r.stop_id: r
                for r in EtaRecord.objects.filter(stop_id__in=ahead)
                .order_by("stop_id", "-computed_at")
                .distinct("stop_id")
                .only("stop_id", "eta", "computed_at")
            }
            if ahead
            else {}
        )
        return cls(states, last_records)

    def plan(self, *, route, stops, remaining, results, now, started: bool) -> None:
        by_id = {s.pk: s for s in remaining}
        started = (
            started
            or route.status != RouteStatus.PLANNED
            or any(s.status != StopStatus.PLANNED for s in stops)
        )
        next_id = (
            remaining[0].pk
            if remaining and not any(s.status == StopStatus.ARRIVED for s in stops)
            else None
        )
        for result in results:
            stop = by_id[result.key]
            se = self.states.get(stop.pk) or StopEta(stop=stop)
            page_changed = False
            if (
                _moved(stop.eta, result.eta, WRITE_THRESHOLD_S)
                or _moved(stop.eta_low, result.low, WRITE_THRESHOLD_S)
                or _moved(stop.eta_high, result.high, WRITE_THRESHOLD_S)
            ):
                stop.eta, stop.eta_low, stop.eta_high = result.eta, result.low, result.high
                self.stop_updates.append(stop)
                page_changed = True
            last = self.last_records.get(stop.pk)
            if (
                last is None
                or _moved(last.eta, result.eta, self.min_change)
                or now - last.computed_at >= self.max_age
            ):
                self.records.append(
                    EtaRecord(
                        stop=stop,
                        computed_at=now,
                        eta=result.eta,
                        eta_low=result.low,
                        eta_high=result.high,
                        horizon_s=result.horizon_s,
                        shift_s=result.shift_s,
                    )
                )
            out_for_delivery = stop.order.status == OrderStatus.OUT_FOR_DELIVERY
            is_next = stop.pk == next_id and started and out_for_delivery
            became_next = is_next and not se.is_next
            moved = (
                out_for_delivery
                and se.notified_low is not None
                and (
                    abs((result.low - se.notified_low).total_seconds()) > self.shift_s
                    or abs((result.high - se.notified_high).total_seconds()) > self.shift_s
                )
            )
            if (
                se.pk is None
                or se.is_late_risk != result.is_late_risk
                or se.is_next != is_next
                or moved
            ):
                page_changed = page_changed or se.is_late_risk != result.is_late_risk or became_next
                se.is_late_risk, se.is_next = result.is_late_risk, is_next
                if moved:
                    se.notified_low, se.notified_high = result.low, result.high
                    self.moved.append((stop, result))
                self.state_rows.append(se)
            if became_next:
                self.next.append(stop)
            if page_changed:
                self.page.append(stop)
        # Stops no longer ahead are neither next nor at risk.
        for stop in stops:
            se = self.states.get(stop.pk)
            if stop.pk not in by_id and se is not None and (se.is_next or se.is_late_risk):
                se.is_next = se.is_late_risk = False
                self.state_rows.append(se)

    def execute(self) -> None:
        if self.stop_updates:
            _stops_eta_write(self.stop_updates)
        if self.state_rows:
            StopEta.objects.bulk_create(
                self.state_rows,
                update_conflicts=True,
                unique_fields=["stop"],
                update_fields=[
                    "is_late_risk",
                    "is_next",
                    "notified_low",
                    "notified_high",
                    "updated_at",
                ],
            )
        if self.records:
            EtaRecord.objects.bulk_create(self.records)


def _states_write(states: list[RouteEta]) -> None:
    """One UPDATE ... FROM (VALUES ...) for the routes' engine states; `computations` counts up
    in the database and is read back."""
    table = RouteEta._meta.db_table
    rows = ", ".join(["(%s, %s::timestamptz, %s::timestamptz, %s::float8, %s)"] * len(states))
    params = [
        v for s in states for v in (s.pk, s.computed_at, s.ping_time, s.speed_ratio, s.signature)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS r SET computed_at = v.computed_at, ping_time = v.ping_time, "  # noqa: S608
            "speed_ratio = v.ratio, signature = v.signature, computations = r.computations + 1 "
            f"FROM (VALUES {rows}) AS v(id, computed_at, ping_time, ratio, signature) "
            "WHERE r.id = v.id RETURNING r.id, r.computations",
            params,
        )
        counts = dict(cursor.fetchall())
    for state in states:
        state.computations = counts[state.pk]


def _stops_eta_write(stops: list[Stop]) -> None:
    """One UPDATE ... FROM (VALUES ...) for the ETA columns (bulk_update's CASE is slow to build
    and to plan at this rate)."""
    table = Stop._meta.db_table
    rows = ", ".join(["(%s, %s::timestamptz, %s::timestamptz, %s::timestamptz)"] * len(stops))
    params = [v for s in stops for v in (s.pk, s.eta, s.eta_low, s.eta_high)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS s SET eta = v.eta, eta_low = v.low, eta_high = v.high "  # noqa: S608
            f"FROM (VALUES {rows}) AS v(id, eta, low, high) WHERE s.id = v.id",
            params,
        )


def _log(entries: list[tuple[int, dt.datetime | None]], computed_at: dt.datetime) -> None:
    """Append (route, newest ping used, finished at, computed at) per recomputed route to a
    capped Redis list: the freshness figures the benchmark (and an operator) read. Never fails
    the recompute."""
    try:
        client = redis_client()
        key = cache.make_key(LOG_KEY)
        wall, computed = time.time(), computed_at.timestamp()
        lines = [
            f"{route_id} {ping_time.timestamp() if ping_time else 0:.3f} {wall:.3f} {computed:.3f}"
            for route_id, ping_time in entries
        ]
        pipe = client.pipeline(transaction=False)
        pipe.rpush(key, *lines)
        pipe.ltrim(key, -LOG_SIZE, -1)
        pipe.execute()
    except Exception:  # (monitoring only)
        logger.debug("could not append to the ETA log", exc_info=True)


# --- learning from completed stops ------------------------------------------------------------


def stop_reached_record(*, stop: Stop, arrived_at: dt.datetime) -> int:
    """Called (in the stop action's transaction) when the vehicle reached `stop`: fill in the
    error of every ETA given for it, add the error samples, and record the leg's actual vs
    predicted travel time. Returns how many ETAs were scored; a second call scores nothing."""
    records = list(EtaRecord.objects.filter(stop=stop, error_s__isnull=True))
    for record in records:
        record.error_s = round((arrived_at - record.eta).total_seconds())
    if records:
        EtaRecord.objects.bulk_update(records, ["error_s"])
        EtaErrorSample.objects.bulk_create(
            [
                EtaErrorSample(
                    stop=stop,
                    horizon_s=r.horizon_s,
                    error_s=r.error_s,
                    shift_s=r.shift_s,
                    arrived_at=arrived_at,
                )
                for r in records
            ]
        )
    _leg_record(stop=stop, arrived_at=arrived_at)
    return len(records)


def _leg_record(*, stop: Stop, arrived_at: dt.datetime) -> None:
    route = stop.route
    previous = (
        Stop.objects.filter(route=route, departed_at__isnull=False, departed_at__lte=arrived_at)
        .exclude(pk=stop.pk)
        .exclude(status=StopStatus.SKIPPED)
        .select_related("order")
        .order_by("-departed_at")
        .first()
    )
    if previous is not None:
        origin, left_at = _point(previous.order), previous.departed_at
    else:
        state = RouteEta.objects.filter(route=route).first()
        if state is None or state.started_at is None:
            return  # no known departure: the leg cannot be measured
        depot = route.vehicle.depot
        origin, left_at = (float(depot.latitude), float(depot.longitude)), state.started_at
    actual = (arrived_at - left_at).total_seconds()
    tz = route.vehicle.depot.tzinfo
    (predicted,) = leg_durations(
        travel_provider(), [origin, _point(stop.order)], seconds_of_day(left_at, tz)
    )
    # Legs with a break, a detour for lunch or a teleporting GPS say nothing about speed.
    if predicted < 60 or actual <= 0 or not 0.3 <= actual / predicted <= 4:
        return
    LegSample.objects.get_or_create(
        stop=stop,
        defaults={
            "route": route,
            "driver_id": route.driver_id,
            "hour": left_at.astimezone(tz).hour,
            "predicted_s": predicted,
            "actual_s": round(actual),
            "at": arrived_at,
        },
    )
