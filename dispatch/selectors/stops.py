"""One stop in detail, and what moving a stop would do to the ETAs of the routes involved."""

from __future__ import annotations

import datetime as dt

from core import timefmt
from dispatch.selectors.shapes import ACTIVE, DASH
from orders.models import OrderEvent
from routing.models import Route, Stop
from tracking import clock
from tracking.selectors import route_sequence_etas


def stop_detail(*, stop_id: int) -> Stop | None:
    """A stop with its order, customer, route and the order's timeline (newest last); a
    pickup's is its return's timeline."""
    stop = (
        Stop.objects.select_related(
            "order__customer",
            "order__warehouse",
            "route__vehicle__depot",
            "route__driver__user",
            "ret",
        )
        .filter(pk=stop_id)
        .first()
    )
    if stop is not None:
        events = (
            OrderEvent.objects.filter(ret=stop.ret)
            if stop.ret_id
            else OrderEvent.objects.filter(order=stop.order, ret__isnull=True)
        )
        stop.timeline = list(events.select_related("user").order_by("at", "id"))
    return stop


def move_preview_etas(
    *, stop: Stop, target: Route, position: int, now: dt.datetime | None = None
) -> list[dict]:
    """What moving `stop` to `position` of `target` does to the ETAs of both routes: per route,
    the stops still to visit in their new order with the ETA (and window) tracking's engine
    would then give — same arithmetic, travel times, learned speed ratio and error quantiles —
    next to the ETA they have now (tracking's `route_sequence_etas`). Writes nothing;
    feasibility is routing's check."""
    now = now or clock.now()
    routes = [Route.objects.select_related("vehicle__depot", "eta").get(pk=stop.route_id)]
    if target.pk != stop.route_id:
        routes.append(Route.objects.select_related("vehicle__depot", "eta").get(pk=target.pk))
    out = []
    for route in routes:
        tz = route.vehicle.depot.tzinfo
        seq = [
            s for s in route.stops.select_related("order").order_by("sequence") if s.pk != stop.pk
        ]
        if route.pk == target.pk:
            seq.insert(max(0, min(position - 1, len(seq))), stop)
        results = route_sequence_etas(route=route, stops=seq, now=now)
        rows = []
        for n, s in enumerate(seq, start=1):
            if s.status not in ACTIVE:
                continue
            r = results.get(s.pk)
            current = s.eta or s.planned_arrival
            rows.append(
                {
                    "n": n,
                    "order": s.order.reference,
                    "window": f"{timefmt.hm(s.window_start or s.order.window_start, tz)}{DASH}"
                    f"{timefmt.hm(s.window_end or s.order.window_end, tz)}",
                    "new": timefmt.hm(r.eta, tz) if r else "",
                    "new_window": f"{timefmt.hm(r.low, tz)}{DASH}{timefmt.hm(r.high, tz)}"
                    if r
                    else "",
                    "is_late_risk": bool(r and r.is_late_risk),
                    "current": timefmt.hm(current, tz),
                    "is_moved": s.pk == stop.pk,
                }
            )
        out.append(
            {
                "route": route,
                "rows": rows,
                "done": sum(1 for s in seq if s.status not in ACTIVE),
                "emptied": not seq,
            }
        )
    return out
