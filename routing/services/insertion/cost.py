"""The own fleet's price of one more delivery: the cheapest insertion over a day's live routes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from orders.models import CustomerOrder
from routing.models import Route
from routing.services.insertion.hooks import live
from routing.services.insertion.preview import _check, _order, live_routes
from routing.services.problem import (
    Demand,
    PlanProblem,
    problem_build,
)


@dataclass
class MarginalCost:
    """The cheapest insertion of an order (or a bare point) over a day's live routes: its cost
    in the vehicle's currency, the route and position, and added distance/duration."""

    cost: Decimal
    currency: str
    route: Route
    position: int
    added_distance_m: int
    added_duration_s: int


def marginal_cost(
    order_or_point,
    day: dt.date,
    *,
    warehouse=None,
    demand: Demand | None = None,
    window: tuple[dt.datetime, dt.datetime] | None = None,
    service_s: int = 300,
    skills: frozenset[str] = frozenset(),
    now: dt.datetime | None = None,
) -> MarginalCost | None:
    """What serving one more delivery would cost the own fleet on `day`: the cheapest feasible
    insertion over that day's live routes (published, not completed, not locked), by the
    optimiser's objective. Writes nothing; None when no live route can take it (or the order
    has no coordinates).

    `order_or_point` is a `CustomerOrder` (its warehouse, demand, windows, service time and
    skills are used; the order need not be packed) or a `(latitude, longitude)` pair, which
    then needs `warehouse`, and may give `demand` (default: nothing to carry), `window`
    (default: any time), `service_s` and `skills`. `warehouse` limits the routes to that
    depot's vehicles (default: the order's warehouse; every depot for a bare point).
    """
    now = now or live.now()
    if isinstance(order_or_point, CustomerOrder):
        order = _order(order_or_point)
        if order.needs_location:
            return None  # nowhere to drive to: no route can take it
        warehouse = warehouse or order.warehouse
    else:
        lat, lon = order_or_point
        order = CustomerOrder(
            reference="(quote)",
            warehouse=warehouse,
            latitude=Decimal(str(lat)),
            longitude=Decimal(str(lon)),
            window_start=window[0] if window else dt.datetime.combine(day, dt.time(0), dt.UTC),
            window_end=window[1]
            if window
            else dt.datetime.combine(day, dt.time(23, 59), dt.UTC) + dt.timedelta(hours=14),
            service_time_s=service_s,
            required_skills=sorted(skills),
        )
        demand = demand or Demand()
    best: MarginalCost | None = None
    contexts: dict[int, PlanProblem] = {}
    for route in live_routes(day=day, warehouse=warehouse):
        ctx = contexts.get(route.plan_id) or problem_build(plan=route.plan)
        contexts[route.plan_id] = ctx
        if demand is not None:
            ctx = dataclasses.replace(ctx, demand={**ctx.demand, order.reference: demand})
        preview = _check(ctx, route, order, now, with_etas=False)
        if preview.feasible and (best is None or preview.added_cost < best.cost):
            best = MarginalCost(
                cost=preview.added_cost,
                currency=preview.currency,
                route=route,
                position=preview.position,
                added_distance_m=preview.added_distance_m,
                added_duration_s=preview.added_duration_s,
            )
    return best
