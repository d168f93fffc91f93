"""Same-day insertion on the board: the ETAs a proposed sequence would get (tracking's engine,
lent to routing's insertion preview) and the best live routes for an unassigned order."""

from __future__ import annotations

import datetime as dt

from orders.models import CustomerOrder
from routing.models import Route, Stop
from routing.services.insertion import (
    InsertionPreview,
    insertion_checks,
    insertion_preview_etas,
    live_routes,
)
from tracking import clock
from tracking.selectors import route_sequence_etas

OPTIONS_SHOWN = 3


def sequence_etas(route: Route, stops: list[Stop], now: dt.datetime) -> dict:
    """{stop pk (None for the stop not saved yet): (eta, low, high, is_late_risk)} for the
    planned stops of `stops` visited in this order, from tracking's engine."""
    route = Route.objects.select_related("vehicle__depot", "driver", "eta").get(pk=route.pk)
    found = route_sequence_etas(route=route, stops=stops, now=now)
    return {key: (r.eta, r.low, r.high, r.is_late_risk) for key, r in found.items()}


def insertion_options(
    *, order: CustomerOrder, day: dt.date | None = None, now: dt.datetime | None = None
) -> tuple[list[InsertionPreview], list[InsertionPreview]]:
    """(the best feasible insertions of `order` over the day's live routes of its warehouse,
    cheapest first, at most OPTIONS_SHOWN, with ETAs; the routes where it does not fit, with
    the reason). Refusals about the order itself (not packed, already routed) raise 409.
    Every route is checked once, without ETAs; only the options shown get them."""
    now = now or clock.now()
    day = day or now.astimezone(order.warehouse.tzinfo).date()
    routes = list(live_routes(day=day, warehouse=order.warehouse))
    fits, refused = [], []
    for preview in insertion_checks(order=order, routes=routes, now=now):
        (fits if preview.feasible else refused).append(preview)
    fits.sort(key=lambda p: (p.needs_override, p.added_cost, p.route.pk))
    best = [insertion_preview_etas(p, now=now) for p in fits[:OPTIONS_SHOWN]]
    return best, refused
