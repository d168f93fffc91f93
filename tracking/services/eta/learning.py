"""What the ETA engine learns from the truth: when a stop is reached, every ETA given for it
gets its error; those errors (by horizon) set the next days' windows (windows.py), and each
leg's actual vs predicted travel time sets the speed ratio (per route, shrunk towards the
driver's and the hour of day's typical ratio).
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import Count, Sum

from core.geo import point_of
from routing import services as routing_services
from routing.models import Route, Stop, StopStatus
from tracking.eta import blended_ratio, leg_durations, prior_ratio, seconds_of_day
from tracking.models import EtaErrorSample, EtaRecord, LegSample, RouteEta
from tracking.services.eta.windows import samples_build

RATIO_KEY = "tracking:eta:ratio:{}:{}"


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
    error of every ETA given for it, add the error samples the windows are cut from (the ETA
    in force every few minutes before the arrival, `windows.samples_build`), and record the
    leg's actual vs predicted travel time. Returns how many ETAs were scored; a second call
    scores nothing."""
    records = list(EtaRecord.objects.filter(stop=stop, error_s__isnull=True))
    for record in records:
        record.error_s = round((arrived_at - record.eta).total_seconds())
    if records:
        EtaRecord.objects.bulk_update(records, ["error_s"])
        EtaErrorSample.objects.bulk_create(
            samples_build(stop=stop, arrived_at=arrived_at, records=records)
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
