"""What the ETA engine starts from: where the vehicle is and when it can drive on, its newest
fresh ping, the stops in the engine's terms, the breaks still to take, and the hours in which
the remaining legs depart. Reads only; shared by the recompute and tracking's selectors.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import connection

from core.geo import point_of
from routing.models import Route, Stop, StopStatus
from tracking import conf
from tracking.eta import EtaStop, breaks_pending
from tracking.models import PositionPing


def stop_window(stop: Stop) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The customer's time window at `stop`: the stop's own, else its order's (a pickup has
    only its own; none: any time)."""
    if stop.ret_id:
        return stop.window_start, stop.window_end
    return stop.window_start or stop.order.window_start, stop.window_end or stop.order.window_end


def eta_stop(stop: Stop) -> EtaStop:
    window_start, window_end = stop_window(stop)
    if stop.ret_id:  # a pickup: the return's place
        ret = stop.ret
        point = (float(ret.pickup_latitude), float(ret.pickup_longitude))
    else:
        point = point_of(stop.order)
    return EtaStop(
        key=stop.pk,
        point=point,
        service_s=stop.order.service_time_s,
        window_start=window_start,
        window_end=window_end,
    )


def route_breaks(*, route: Route, stops: list[Stop], ready_at: dt.datetime):
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


def ratio_by_hour(ratio_at):
    """`ratio_at(hour)` remembered per hour for one recompute (each leg asks at its own
    departure hour)."""
    known: dict[int, float] = {}

    def at(hour: int) -> float:
        if hour not in known:
            known[hour] = ratio_at(hour)
        return known[hour]

    return at


def hours_ahead(*, route: Route, ready_at: dt.datetime) -> list[int]:
    """Local hours in which the route's remaining legs should depart: from `ready_at` to an
    hour past its planned end (the priors read from the cache in one round trip)."""
    tz = route.vehicle.depot.tzinfo
    end = max(ready_at, route.end_at or ready_at) + dt.timedelta(hours=1)
    first = ready_at.astimezone(tz).hour
    count = min(24, int((end - ready_at).total_seconds() // 3600) + 1)
    return [(first + k) % 24 for k in range(count)]


def route_signature(stops: list[Stop]) -> str:
    raw = ";".join(f"{s.pk}:{s.sequence}:{s.status}" for s in stops)
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


def vehicle_origin(*, route: Route, stops: list[Stop], now: dt.datetime, ping):
    """(point, ready_at, ping_time): where the vehicle is and when it can drive on. `ping` is
    the vehicle's newest fresh ping as (latitude, longitude, time), or None."""
    arrived = [s for s in stops if s.status == StopStatus.ARRIVED]
    if arrived:
        stop = arrived[-1]
        reached = stop.arrived_at or now
        # A van there before the customer's window opens waits for it, then serves: it
        # leaves a service time after the window opens (as etas_compute has it for the
        # stops ahead), not after it arrived.
        window_start, _end = stop_window(stop)
        service_start = max(reached, window_start) if window_start else reached
        done_at = service_start + dt.timedelta(seconds=stop.order.service_time_s)
        return point_of(stop.order), max(now, done_at), None
    if ping is not None:
        return (ping[0], ping[1]), now, ping[2]
    done = [s for s in stops if s.is_done and s.departed_at and s.status != StopStatus.SKIPPED]
    if done:
        last = max(done, key=lambda s: s.departed_at)
        return point_of(last.order), max(now, last.departed_at), None
    return point_of(route.vehicle.depot), max(now, route.start_at), None


def leg_start(
    *, route: Route, done: list[Stop], started_at: dt.datetime | None
) -> tuple[tuple[float, float], dt.datetime] | None:
    """(where, when) the leg the vehicle drives after its completed stops `done` (skipped ones
    left out) began: the last one, left when its service ended or, when a planned break fell
    due at that departure, when the break ended; with none done, the depot when the route
    started (`started_at`, None: not known, so None)."""
    done = sorted((s for s in done if s.departed_at), key=lambda s: s.departed_at)
    if not done:
        return None if started_at is None else (point_of(route.vehicle.depot), started_at)
    previous = done[-1]
    _, resume_at = breaks_pending(
        route.breaks or [],
        departures=[s.departed_at for s in done],
        route_start=route.start_at,
    )
    left_at = max(previous.departed_at, resume_at) if resume_at else previous.departed_at
    return eta_stop(previous).point, left_at


def latest_pings(*, vehicle_ids, now: dt.datetime) -> dict[int, tuple]:
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
