"""ETA orchestration: debounce requests, recompute a route's remaining ETAs, learn from the truth.

Rules:
- After pings, a route is recomputed at most once per TRACKING_ETA_DEBOUNCE_S (a Redis lock,
  `cache.add`), plus one trailing recompute when pings arrived after the last one started, so
  the newest position always counts. Stop status changes and re-plans recompute at once.
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
import time

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Sum

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

logger = logging.getLogger(__name__)

LOCK_KEY = "tracking:eta:lock:{}"
DIRTY_KEY = "tracking:eta:dirty:{}"
TRAIL_KEY = "tracking:eta:trail:{}"
QUANTILES_KEY = "tracking:eta:quantiles"
RATIO_KEY = "tracking:eta:ratio:{}:{}"
LOG_KEY = "tracking:eta:log"
LOG_SIZE = 200_000
# A stop's stored ETA is rewritten only when it moved at least this much (fewer writes).
WRITE_THRESHOLD_S = 15
ACTIVE_STOP_STATUSES = (StopStatus.PLANNED, StopStatus.ARRIVED)


# --- requests and debounce ------------------------------------------------------------------


def _enqueue(route_id: int, *, trailing: bool = False, countdown: float = 0) -> None:
    from tracking.tasks import route_eta_refresh

    route_eta_refresh.apply_async(
        (route_id,),
        {"trailing": trailing},
        countdown=countdown or None,
        queue=conf.get("TRACKING_QUEUE"),
    )


def eta_request(*, route_id: int, force: bool = False) -> str:
    """Ask for a recompute of `route_id` (call after commit). Returns what was done:
    "now" (enqueued), "trailing" (a delayed recompute was scheduled) or "coalesced"."""
    if force:
        _enqueue(route_id)
        return "now"
    debounce = conf.get("TRACKING_ETA_DEBOUNCE_S")
    until = time.time() + debounce
    if cache.add(LOCK_KEY.format(route_id), until, debounce):
        _enqueue(route_id)
        return "now"
    cache.set(DIRTY_KEY.format(route_id), 1, debounce * 3)
    if cache.add(TRAIL_KEY.format(route_id), 1, debounce * 2):
        locked_until = cache.get(LOCK_KEY.format(route_id)) or time.time()
        _enqueue(route_id, trailing=True, countdown=max(0.0, float(locked_until) - time.time()))
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


# --- learned corrections ----------------------------------------------------------------------


def error_quantiles(*, refresh: bool = False) -> ErrorQuantiles:
    """Empirical (low, high) error quantiles per horizon bucket over the last
    TRACKING_ETA_SAMPLE_DAYS; buckets with fewer than TRACKING_ETA_MIN_SAMPLES are None.
    Cached for five minutes (it moves slowly and every recompute needs it)."""
    if not refresh:
        cached = cache.get(QUANTILES_KEY)
        if cached is not None:
            return ErrorQuantiles(tuple(tuple(b) if b else None for b in cached))
    cutoff = clock.now() - dt.timedelta(days=conf.get("TRACKING_ETA_SAMPLE_DAYS"))
    q_low, q_high = conf.get("TRACKING_ETA_LOW_QUANTILE"), conf.get("TRACKING_ETA_HIGH_QUANTILE")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT width_bucket(horizon_s, %s::int[]) AS bucket, count(*),
                   percentile_cont(%s) WITHIN GROUP (ORDER BY error_s),
                   percentile_cont(%s) WITHIN GROUP (ORDER BY error_s)
            FROM {EtaErrorSample._meta.db_table}
            WHERE arrived_at >= %s
            GROUP BY bucket
            """,  # noqa: S608 (table name from the model, values as parameters)
            [list(HORIZON_EDGES_S), q_low, q_high, cutoff],
        )
        rows = cursor.fetchall()
    buckets: list = [None] * (len(HORIZON_EDGES_S) + 1)
    for bucket, count, low, high in rows:
        if count >= conf.get("TRACKING_ETA_MIN_SAMPLES"):
            buckets[bucket] = (float(low), float(high))
    cache.set(QUANTILES_KEY, buckets, 300)
    return ErrorQuantiles(tuple(buckets))


def _ratio_of(queryset) -> tuple[float, int]:
    agg = queryset.aggregate(a=Sum("actual_s"), p=Sum("predicted_s"), n=Count("id"))
    if not agg["n"] or not agg["p"]:
        return 1.0, 0
    return agg["a"] / agg["p"], agg["n"]


def route_speed_ratio(*, route: Route, hour: int, now: dt.datetime) -> float:
    """This route's observed/predicted travel time so far, shrunk towards the driver's and the
    hour of day's typical ratio over the last 30 days (cached ten minutes)."""
    key = RATIO_KEY.format(route.driver_id or 0, hour)
    prior = cache.get(key)
    if prior is None:
        since = now - dt.timedelta(days=30)
        recent = LegSample.objects.filter(at__gte=since).exclude(route=route)
        samples = [_ratio_of(recent.filter(hour=hour))]
        if route.driver_id:
            samples.append(_ratio_of(recent.filter(driver_id=route.driver_id)))
        prior = prior_ratio(samples)
        cache.set(key, prior, 600)
    agg = LegSample.objects.filter(route=route).aggregate(
        a=Sum("actual_s"), p=Sum("predicted_s"), n=Count("id")
    )
    return blended_ratio(
        route_actual_s=agg["a"] or 0,
        route_predicted_s=agg["p"] or 0,
        route_legs=agg["n"],
        prior=prior,
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


def route_signature(stops: list[Stop]) -> str:
    raw = ";".join(f"{s.pk}:{s.sequence}:{s.status}" for s in stops)
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


def _origin(*, route: Route, stops: list[Stop], now: dt.datetime):
    """(point, ready_at, ping_time): where the vehicle is and when it can drive on."""
    arrived = [s for s in stops if s.status == StopStatus.ARRIVED]
    if arrived:
        stop = arrived[-1]
        done_at = (stop.arrived_at or now) + dt.timedelta(seconds=stop.order.service_time_s)
        return _point(stop.order), max(now, done_at), None
    stale = now - dt.timedelta(seconds=conf.get("TRACKING_PING_STALE_S"))
    ping = (
        PositionPing.objects.filter(vehicle_id=route.vehicle_id, time__gte=stale, time__lte=now)
        .order_by("-time")
        .only("latitude", "longitude", "time")
        .first()
    )
    if ping is not None:
        return (ping.latitude, ping.longitude), now, ping.time
    done = [s for s in stops if s.is_done and s.departed_at and s.status != StopStatus.SKIPPED]
    if done:
        last = max(done, key=lambda s: s.departed_at)
        return _point(last.order), max(now, last.departed_at), None
    depot = route.vehicle.depot
    return (float(depot.latitude), float(depot.longitude)), max(now, route.start_at), None


def _moved(old: dt.datetime | None, new: dt.datetime, threshold_s: float) -> bool:
    return old is None or abs((new - old).total_seconds()) >= threshold_s


def route_etas_refresh(*, route_id: int, now: dt.datetime | None = None) -> RouteEta | None:
    """Recompute the ETAs of every remaining stop of the route (see the module docstring)."""
    from tracking.services import notifications, pages

    now = now or clock.now()
    with transaction.atomic():
        state, _ = RouteEta.objects.get_or_create(route_id=route_id)
        state = RouteEta.objects.select_for_update().get(pk=state.pk)
        route = (
            Route.objects.select_related("vehicle__depot", "driver", "plan")
            .filter(pk=route_id)
            .first()
        )
        if route is None:
            return None
        stops = list(
            Stop.objects.filter(route=route)
            .select_related("order__customer", "order__warehouse", "order__partner")
            .order_by("sequence")
        )
        state.signature = route_signature(stops)
        remaining = [s for s in stops if s.status == StopStatus.PLANNED]
        tz = route.vehicle.depot.tzinfo
        results: list[EtaResult] = []
        if remaining and route.status != RouteStatus.COMPLETED:
            origin, ready_at, ping_time = _origin(route=route, stops=stops, now=now)
            state.ping_time = ping_time or state.ping_time
            state.speed_ratio = route_speed_ratio(
                route=route, hour=ready_at.astimezone(tz).hour, now=now
            )
            results = etas_compute(
                origin=origin,
                ready_at=ready_at,
                stops=[_eta_stop(s) for s in remaining],
                provider=travel_provider(),
                tz=tz,
                now=now,
                speed_ratio=state.speed_ratio,
                quantiles=error_quantiles(),
                default_base_s=conf.get("TRACKING_ETA_DEFAULT_BASE_S"),
                default_share=conf.get("TRACKING_ETA_DEFAULT_SHARE"),
            )
        changed = _store(
            route=route,
            stops=stops,
            remaining=remaining,
            results=results,
            now=now,
            started=state.started_at is not None,
        )
        state.computed_at = now
        state.computations = F("computations") + 1
        state.save()
        pages.pages_invalidate(tokens=[stop.order.tracking_token for stop in changed["page"]])
        for stop in changed["next"]:
            notifications.stop_became_next(stop=stop)
        for stop, result in changed["moved"]:
            notifications.eta_window_moved(stop=stop, low=result.low, high=result.high)
    _log(route_id, state.ping_time, now)
    state.refresh_from_db(fields=["computations"])
    return state


def _store(*, route, stops, remaining, results, now, started: bool) -> dict:
    """Write the new ETAs and flags; return the stops whose page, next-flag or promised window
    changed (for cache invalidation and notifications)."""
    by_id = {s.pk: s for s in remaining}
    states = {se.stop_id: se for se in StopEta.objects.filter(stop__in=[s.pk for s in stops])}
    last_records = {
        r.stop_id: r
        for r in EtaRecord.objects.filter(stop__in=list(by_id))
        .order_by("stop_id", "-computed_at")
        .distinct("stop_id")
    }
    min_change = conf.get("TRACKING_ETA_HISTORY_MIN_CHANGE_S")
    max_age = dt.timedelta(seconds=conf.get("TRACKING_ETA_HISTORY_MAX_AGE_S"))
    shift_s = conf.get("TRACKING_ETA_NOTIFY_SHIFT_MIN") * 60
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
    stop_updates, state_rows, records = [], [], []
    changed: dict[str, list] = {"page": [], "next": [], "moved": []}
    for result in results:
        stop = by_id[result.key]
        se = states.get(stop.pk) or StopEta(stop=stop)
        page_changed = False
        if (
            _moved(stop.eta, result.eta, WRITE_THRESHOLD_S)
            or _moved(stop.eta_low, result.low, WRITE_THRESHOLD_S)
            or _moved(stop.eta_high, result.high, WRITE_THRESHOLD_S)
        ):
            stop.eta, stop.eta_low, stop.eta_high = result.eta, result.low, result.high
            stop_updates.append(stop)
            page_changed = True
        last = last_records.get(stop.pk)
        if (
            last is None
            or _moved(last.eta, result.eta, min_change)
            or now - last.computed_at >= max_age
        ):
            records.append(
                EtaRecord(
                    stop=stop,
                    computed_at=now,
                    eta=result.eta,
                    eta_low=result.low,
                    eta_high=result.high,
                    horizon_s=result.horizon_s,
                )
            )
        out_for_delivery = stop.order.status == OrderStatus.OUT_FOR_DELIVERY
        is_next = stop.pk == next_id and started and out_for_delivery
        became_next = is_next and not se.is_next
        moved = (
            out_for_delivery
            and se.notified_low is not None
            and (
                abs((result.low - se.notified_low).total_seconds()) > shift_s
                or abs((result.high - se.notified_high).total_seconds()) > shift_s
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
                changed["moved"].append((stop, result))
            state_rows.append(se)
        if became_next:
            changed["next"].append(stop)
        if page_changed:
            changed["page"].append(stop)
    # Stops no longer ahead are neither next nor at risk.
    for stop in stops:
        se = states.get(stop.pk)
        if stop.pk not in by_id and se is not None and (se.is_next or se.is_late_risk):
            se.is_next = se.is_late_risk = False
            state_rows.append(se)
    if stop_updates:
        _stops_eta_write(stop_updates)
    if state_rows:
        StopEta.objects.bulk_create(
            state_rows,
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
    if records:
        EtaRecord.objects.bulk_create(records)
    return changed


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


def _log(route_id: int, ping_time: dt.datetime | None, computed_at: dt.datetime) -> None:
    """Append (route, newest ping used, computed at) to a capped Redis list: the freshness
    figures the benchmark (and an operator) read. Never fails the recompute."""
    try:
        client = cache._cache.get_client(write=True)
        key = cache.make_key(LOG_KEY)
        pipe = client.pipeline(transaction=False)
        stamp = ping_time.timestamp() if ping_time else 0
        pipe.rpush(key, f"{route_id} {stamp:.3f} {time.time():.3f} {computed_at.timestamp():.3f}")
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
                    stop=stop, horizon_s=r.horizon_s, error_s=r.error_s, arrived_at=arrived_at
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
