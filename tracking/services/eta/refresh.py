"""The recompute: load the routes, work out each one's remaining ETAs with the engine
(tracking.eta), write what changed, and announce what customers must hear (in a task of its own
when the ETA ticks recompute: tracking.services.notifications.stops_announce)."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db import transaction

from routing import services as routing_services
from routing.models import Route, RouteStatus, Stop, StopStatus
from tracking import clock
from tracking.eta import (
    ErrorWindows,
    EtaResult,
    blended_ratio,
    etas_compute,
    leg_pace,
    seconds_of_day,
)
from tracking.models import RouteEta
from tracking.services.eta.inputs import (
    eta_stop,
    latest_pings,
    leg_start,
    ratio_by_hour,
    route_breaks,
    route_signature,
    vehicle_origin,
)
from tracking.services.eta.learning import RATIO_KEY, hour_prior, route_legs
from tracking.services.eta.priors import priors_warm
from tracking.services.eta.windows import eta_windows_current
from tracking.services.eta.writes import Writes, log_append, states_write


def route_etas_refresh(*, route_id: int, now: dt.datetime | None = None) -> RouteEta | None:
    """Recompute the ETAs of every remaining stop of the route (see the module docstring)."""
    return routes_etas_refresh(route_ids=[route_id], now=now).get(route_id)


def routes_etas_refresh(
    *, route_ids, now: dt.datetime | None = None, announce_later: bool = False
) -> dict[int, RouteEta]:
    """`route_etas_refresh` for many routes at once, in one transaction and a fixed number of
    set-based queries (about a dozen, however many routes). Returns the routes' engine states
    by route id; unknown routes are left out. The same rules and results as one by one.

    What customers must hear (a stop became next: "arriving"; a material window move) is
    announced in this transaction, or with `announce_later` by a task of its own after commit
    (`stops_announce`): the ETA ticks do that, so a batch of first ETAs never waits on hundreds
    of timeline entries, webhooks and e-mails; a driver's or dispatcher's action on one route
    announces its own stop at once."""
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
        pings = latest_pings(
            vehicle_ids={
                routes[pk].vehicle_id
                for pk in active
                if not any(s.status == StopStatus.ARRIVED for s in by_route[pk])
            },
            now=now,
        )
        provider = routing_services.travel_provider() if active else None
        windows = eta_windows_current(now=now) if active else None
        origins = {
            pk: vehicle_origin(
                route=routes[pk], stops=by_route[pk], now=now, ping=pings.get(routes[pk].vehicle_id)
            )
            for pk in active
        }
        # Every hour's: today's legs are measured against the priors of the hours they were
        # driven in, the legs ahead against those of theirs (one round trip).
        priors = cache.get_many(
            {
                RATIO_KEY.format(routes[pk].driver_id or 0, hour)
                for pk in active
                for hour in range(24)
            }
        )
        # Drivers met for the first time (or whose priors expired) in one go, not per route.
        priors_warm(routes=[routes[pk] for pk in active], now=now, known=priors)
        legs = route_legs(active, now=now, known=priors, routes=routes) if active else {}
        results: dict[int, list[EtaResult]] = {}
        for pk in active:
            state = states[pk]
            origin, ready_at, ping_time = origins[pk]
            state.ping_time = ping_time or state.ping_time
            results[pk], state.speed_ratio = route_etas_compute(
                route=routes[pk],
                stops=by_route[pk],
                remaining=remaining[pk],
                origin=origin,
                ready_at=ready_at,
                now=now,
                legs=legs.get(pk, (0, 0, 0)),
                priors=priors,
                provider=provider,
                windows=windows,
                ping_time=ping_time,
                started_at=state.started_at,
            )
        writes = Writes.load(by_route=by_route, remaining=remaining)
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
        states_write(list(states.values()))
        pages.pages_invalidate(tokens=[stop.order.tracking_token for stop in writes.page])
        if announce_later:
            notifications.stops_announce_later(
                next_stop_ids=[stop.pk for stop in writes.next],
                moved=[(stop.pk, result.low, result.high) for stop, result in writes.moved],
            )
        else:
            for stop in writes.next:
                notifications.stop_became_next(stop=stop)
            for stop, result in writes.moved:
                notifications.eta_window_moved(stop=stop, low=result.low, high=result.high)
    log_append([(pk, states[pk].ping_time) for pk in ids], now)
    return states


def route_etas_compute(
    *,
    route: Route,
    stops: list[Stop],
    remaining: list[Stop],
    origin,
    ready_at: dt.datetime,
    now: dt.datetime,
    legs: tuple[float, float, int],
    priors: dict,
    provider,
    windows: ErrorWindows,
    ping_time: dt.datetime | None = None,
    started_at: dt.datetime | None = None,
) -> tuple[list[EtaResult], float]:
    """The engine's answer for one route: the `remaining` stops' ETAs when the vehicle leaves
    `origin` at `ready_at` (after the breaks still due), each leg at the speed ratio of its
    departure hour, and the route's speed ratio at `ready_at`. `legs` are the route's measured
    (actual_s, expected_s, count) so far (`route_legs`); `priors` the hourly priors already
    read from the cache (others are read or learned as needed); `windows` the error windows
    by horizon. When `origin` is a ping taken at `ping_time`, the van is on the road: the leg
    it drives goes on at the pace it has driven it so far (`current_leg_pace`; `started_at`:
    when the route started, for a first leg). Writes nothing."""
    actual_s, expected_s, n_legs = legs
    # Today's pace on this route against the priors of the hours its legs were driven in.
    today = blended_ratio(route_actual_s=actual_s, route_predicted_s=expected_s, route_legs=n_legs)

    def ratio_at(hour: int) -> float:
        return hour_prior(route=route, hour=hour, now=now, known=priors) * today

    tz = route.vehicle.depot.tzinfo
    speed_ratio = ratio_at(ready_at.astimezone(tz).hour)
    pace = 1.0
    if ping_time is not None and remaining:
        pace = current_leg_pace(
            route=route,
            stops=stops,
            started_at=started_at,
            at=(origin, ping_time),
            to=eta_stop(remaining[0]).point,
            ratio_at=ratio_at,
            provider=provider,
        )
    breaks, ready_at = route_breaks(route=route, stops=stops, ready_at=ready_at)
    results = etas_compute(
        origin=origin,
        ready_at=ready_at,
        stops=[eta_stop(s) for s in remaining],
        provider=provider,
        tz=tz,
        now=now,
        speed_ratio=ratio_by_hour(ratio_at),
        breaks=breaks,
        windows=windows,
        first_leg_pace=pace,
    )
    return results, speed_ratio


def current_leg_pace(
    *, route: Route, stops: list[Stop], started_at, at, to, ratio_at, provider
) -> float:
    """`leg_pace` of the leg the van drives to `to`, seen at `at` = (point, time) of its ping:
    the time since the leg began (`leg_start`) against the model's time for the part behind it
    (from where it began to `to`, less from `at` to `to`; one provider matrix) x the ratio of
    the hour it began in. 1 when the leg's beginning is not known."""
    done = [s for s in stops if s.departed_at and s.status != StopStatus.SKIPPED]
    start = leg_start(route=route, done=done, started_at=started_at)
    point, ping_time = at
    if start is None or ping_time <= start[1]:
        return 1.0
    origin, left_at = start
    tz = route.vehicle.depot.tzinfo
    depart_s = seconds_of_day(left_at, tz)
    durations = provider.matrices([origin, point, to], depart_s).duration_s
    behind_s = float(durations[0][2]) - float(durations[1][2])
    return leg_pace(
        elapsed_s=(ping_time - left_at).total_seconds(),
        expected_s=behind_s * ratio_at(depart_s // 3600),
    )
