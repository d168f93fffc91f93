"""What the ETA engine learns from the truth: when a stop is reached, every ETA given for it
gets its error; those errors (by horizon) set future window widths, and each leg's actual vs
predicted travel time sets the speed ratio (per route, shrunk towards the driver's and the hour
of day's typical ratio).
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Sum

from core.geo import point_of
from routing import services as routing_services
from routing.models import Route, Stop, StopStatus
from tracking import clock, conf
from tracking.eta import (
    HORIZON_EDGES_S,
    ErrorQuantiles,
    blended_ratio,
    leg_durations,
    prior_ratio,
    seconds_of_day,
)
from tracking.models import EtaErrorSample, EtaRecord, LegSample, RouteEta

QUANTILES_KEY = "tracking:eta:quantiles:v2"
RATIO_KEY = "tracking:eta:ratio:{}:{}"


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
    actual_s, predicted_s, legs = route_legs([route.pk]).get(route.pk, (0, 0, 0))
    return blended_ratio(
        route_actual_s=actual_s,
        route_predicted_s=predicted_s,
        route_legs=legs,
        prior=route_prior_ratio(route=route, hour=hour, now=now),
    )


def hour_prior(*, route: Route, hour: int, now: dt.datetime, known: dict) -> float:
    """`route_prior_ratio` for a leg departing in `hour`. An hour not prefetched into `known` is
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
    """`route_prior_ratio` for every hour of the route's driver, by cache key (same figures)."""
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


def route_legs(route_ids) -> dict[int, tuple[float, float, int]]:
    """Per route: (actual_s, predicted_s, legs) of its measured legs so far."""
    rows = (
        LegSample.objects.filter(route_id__in=route_ids)
        .values("route_id")
        .annotate(a=Sum("actual_s"), p=Sum("predicted_s"), n=Count("id"))
    )
    return {r["route_id"]: (r["a"] or 0, r["p"] or 0, r["n"]) for r in rows}


def route_prior_ratio(*, route: Route, hour: int, now: dt.datetime, known=None) -> float:
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
        origin, left_at = point_of(previous.order), previous.departed_at
    else:
        state = RouteEta.objects.filter(route=route).first()
        if state is None or state.started_at is None:
            return  # no known departure: the leg cannot be measured
        origin, left_at = point_of(route.vehicle.depot), state.started_at
    actual = (arrived_at - left_at).total_seconds()
    tz = route.vehicle.depot.tzinfo
    (predicted,) = leg_durations(
        routing_services.travel_provider(),
        [origin, point_of(stop.order)],
        seconds_of_day(left_at, tz),
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
