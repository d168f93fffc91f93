"""What the ETA engine learns from the truth: when a stop is reached, every ETA given for it
gets its error; those errors (by horizon) set the next days' windows (windows.py), and each
leg's actual vs predicted travel time sets the speed ratio (the hour's traffic times the
driver's pace, times today's own pace on the route).
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import Count, Sum

from core.geo import point_of
from routing import services as routing_services
from routing.models import Route, Stop, StopStatus
from tracking import clock, conf
from tracking.eta import (
    blended_ratio,
    leg_durations,
    seconds_of_day,
    speed_priors,
)
from tracking.models import EtaErrorSample, EtaRecord, LegSample, RouteEta
from tracking.services.eta import adaptive, drift
from tracking.services.eta.inputs import leg_start
from tracking.services.eta.windows import records_in_force, samples_build, window_day

RATIO_KEY = "tracking:eta:ratio:v2:{}:{}"
# A leg faster than this share of the model's time says nothing about speed (a teleporting GPS).
LEG_MIN_RATIO = 0.3
PRIOR_DAYS = 30


def route_speed_ratio(*, route: Route, hour: int, now: dt.datetime) -> float:
    """This route's travel-time ratio for a leg departing in `hour`: the driver's typical ratio
    at that hour (`hour_prior`) times today's own pace against those priors so far."""
    known: dict = {}
    actual_s, expected_s, legs = route_legs([route.pk], now=now, known=known).get(
        route.pk, (0, 0, 0)
    )
    today = blended_ratio(route_actual_s=actual_s, route_predicted_s=expected_s, route_legs=legs)
    return hour_prior(route=route, hour=hour, now=now, known=known) * today


def hour_prior(*, route: Route, hour: int, now: dt.datetime, known: dict) -> float:
    """The route's driver's typical ratio for a leg departing in `hour` (`speed_priors` over
    the last PRIOR_DAYS days' legs of other routes), cached ten minutes. An hour not
    prefetched into `known` is read from the cache; when the cache has none, the driver's
    priors for all 24 hours are computed together (two queries) and cached, so a leg
    crossing into a new hour later costs no query."""
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
    recent = LegSample.objects.filter(at__gte=now - dt.timedelta(days=PRIOR_DAYS)).exclude(
        route=route
    )

    def by_hour(queryset) -> dict[int, tuple[float, float, int]]:
        rows = queryset.values("hour").annotate(
            a=Sum("actual_s"), p=Sum("predicted_s"), n=Count("id")
        )
        return {r["hour"]: (r["a"] or 0, r["p"] or 0, r["n"]) for r in rows}

    driver = by_hour(recent.filter(driver_id=route.driver_id)) if route.driver_id else {}
    priors = speed_priors(by_hour(recent), driver)
    return {RATIO_KEY.format(route.driver_id or 0, h): priors[h] for h in range(24)}


def route_legs(
    route_ids, *, now: dt.datetime | None = None, known: dict | None = None, routes=None
) -> dict[int, tuple[float, float, int]]:
    """Per route: (actual_s, expected_s, legs) of its measured legs so far, where expected is
    the model's time x the driver's prior at the leg's hour (`hour_prior`; `known` holds
    priors already read, `routes` the routes by id if loaded)."""
    now = now or clock.now()
    known = {} if known is None else known
    rows = list(
        LegSample.objects.filter(route_id__in=route_ids)
        .values("route_id", "hour")
        .annotate(a=Sum("actual_s"), p=Sum("predicted_s"), n=Count("id"))
    )
    if routes is None:
        routes = Route.objects.in_bulk({r["route_id"] for r in rows})
    out: dict[int, list] = {}
    for r in rows:
        prior = hour_prior(route=routes[r["route_id"]], hour=r["hour"], now=now, known=known)
        acc = out.setdefault(r["route_id"], [0, 0.0, 0])
        acc[0] += r["a"] or 0
        acc[1] += (r["p"] or 0) * prior
        acc[2] += r["n"]
    return {pk: tuple(acc) for pk, acc in out.items()}


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
        in_force = records_in_force(arrived_at=arrived_at, records=records)
        day = window_day(arrived_at)
        adaptive.scales_update(
            day=day, shares_missed=adaptive.miss_shares(arrived_at=arrived_at, shown=in_force)
        )
        drift.drift_update(
            day=day, share=drift.arrival_share(arrived_at=arrived_at, shown=in_force)
        )
    _leg_record(stop=stop, arrived_at=arrived_at)
    return len(records)


def _leg_record(*, stop: Stop, arrived_at: dt.datetime) -> None:
    route = stop.route
    done = list(
        Stop.objects.filter(route=route, departed_at__isnull=False, departed_at__lte=arrived_at)
        .exclude(pk=stop.pk)
        .exclude(status=StopStatus.SKIPPED)
        .select_related("order")
        .order_by("departed_at")
    )
    started_at = (
        None
        if done
        else RouteEta.objects.filter(route=route).values_list("started_at", flat=True).first()
    )
    start = leg_start(route=route, done=done, started_at=started_at)
    if start is None:
        return  # no known departure: the leg cannot be measured
    origin, left_at = start
    actual = (arrived_at - left_at).total_seconds()
    tz = route.vehicle.depot.tzinfo
    (predicted,) = leg_durations(
        routing_services.travel_provider(),
        [origin, point_of(stop.order)],
        seconds_of_day(left_at, tz),
    )
    # Legs with an incident, an unplanned stop, a detour or a teleporting GPS say nothing about
    # speed (TRACKING_ETA_LEG_MAX_RATIO).
    high = conf.get("TRACKING_ETA_LEG_MAX_RATIO")
    if predicted < 60 or actual <= 0 or not LEG_MIN_RATIO <= actual / predicted <= high:
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
