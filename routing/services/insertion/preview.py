"""Insertion previews: where an order fits in a live route and what it changes (writes nothing)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from core.exceptions import Conflict
from orders.models import CustomerOrder, OrderStatus
from routing.models import PlanStatus, Route, RouteStatus, Stop, StopStatus
from routing.services.insertion.hooks import live
from routing.services.insertion.remaining import (
    candidate_stop,
    route_remaining_problem,
    stop_ref,
)
from routing.services.overrides import (
    out_for_delivery_overtaken,
)
from routing.services.plans import route_ref
from routing.services.problem import (
    PlanProblem,
    order_demand,
    orders_for_planning,
    problem_build,
    travel_provider,
)
from routing.solver.insertion import Insertion, best_insertion
from routing.solver.model import COST_UNITS

INSERTABLE_STATUSES = (OrderStatus.PACKED, OrderStatus.PLANNED)


@dataclass
class StopPreview:
    order: str
    sequence: int
    status: str
    is_new: bool
    is_out_for_delivery: bool
    window: tuple[dt.datetime, dt.datetime] | None
    planned_before: dt.datetime | None
    planned_after: dt.datetime | None
    eta_before: dt.datetime | None = None
    eta_after: dt.datetime | None = None
    eta_after_low: dt.datetime | None = None
    eta_after_high: dt.datetime | None = None
    is_late_risk: bool = False

    @property
    def shift_s(self) -> int | None:
        """How much later (seconds) the stop is expected than before the insertion."""
        before = self.eta_before or self.planned_before
        after = self.eta_after or self.planned_after
        if before is None or after is None:
            return None
        return int((after - before).total_seconds())


@dataclass
class InsertionPreview:
    """What inserting `order` into `route` would do. `position` is the 1-based stop number it
    would get; `overtaken` the orders out for delivery it would be put ahead of (an override
    is needed when there are any)."""

    route: Route
    order: CustomerOrder
    feasible: bool
    reason: str = ""
    message: str = ""
    position: int | None = None
    added_distance_m: int = 0
    added_duration_s: int = 0
    added_cost: Decimal = Decimal(0)
    currency: str = "EUR"
    overtaken: list[Stop] = field(default_factory=list)
    stops: list[StopPreview] = field(default_factory=list)
    result: Insertion | None = None
    ctx: PlanProblem | None = None
    ready_s: int = 0
    sequence: list[Stop] = field(default_factory=list)

    @property
    def needs_override(self) -> bool:
        return bool(self.overtaken)


def live_routes(*, day: dt.date, warehouse=None):
    """Routes that may take a stop today: published plan, not completed, not locked."""
    routes = Route.objects.filter(
        plan__date=day,
        plan__status=PlanStatus.PUBLISHED,
        status__in=[RouteStatus.PLANNED, RouteStatus.IN_PROGRESS],
        is_locked=False,
    )
    if warehouse is not None:
        routes = routes.filter(vehicle__depot=warehouse)
    return routes.select_related("plan", "vehicle__depot", "driver__user").order_by(
        "plan__reference", "sequence"
    )


def _route_live(route: Route) -> None:
    if route.plan.status != PlanStatus.PUBLISHED or route.status == RouteStatus.COMPLETED:
        state = route.plan.status if route.plan.status != PlanStatus.PUBLISHED else route.status
        raise Conflict(
            f"Route {route_ref(route)} is not live ({state}); insert into a route of a "
            "published plan that has not finished.",
            field="route",
            code="route_not_live",
            extra={"current_state": state},
        )
    if route.is_locked:
        raise Conflict(
            f"Route {route_ref(route)} is locked; unlock it first.",
            field="route",
            code="route_locked",
        )


def order_insertable(*, order: CustomerOrder, day: dt.date) -> None:
    """An order may be inserted on `day` when it is packed (or planned but on no route), has
    coordinates, and is on no route that day (409 otherwise)."""
    on_route = (
        Stop.objects.filter(order=order, plan__date=day, ret__isnull=True)
        .select_related("route__plan", "route__vehicle")
        .first()
    )
    if on_route is not None:
        raise Conflict(
            f"{order.reference} is already on route {route_ref(on_route.route)}.",
            field="order",
            code="already_on_route",
        )
    if order.status not in INSERTABLE_STATUSES:
        raise Conflict(
            f"{order.reference} is {order.get_status_display().lower()}; only packed orders "
            "can be put on a live route.",
            field="order",
            code="not_packed",
            extra={"current_state": order.status},
        )
    if order.needs_location:
        raise Conflict(
            f"{order.reference} has no coordinates yet; set its location first.",
            field="order",
            code="needs_location",
        )


def _order(order: CustomerOrder) -> CustomerOrder:
    return orders_for_planning().get(pk=order.pk)


def insertion_check(
    *,
    route: Route,
    order: CustomerOrder,
    now: dt.datetime | None = None,
    ctx: PlanProblem | None = None,
    with_etas: bool = True,
    behind_out_for_delivery: bool = False,
) -> InsertionPreview:
    """Where `order` fits best in `route` and what it changes: the position, the added
    distance, duration and cost (the optimiser's objective, in the vehicle's currency), every
    remaining stop's planned time and ETA before and after, and the orders out for delivery
    it would overtake. `behind_out_for_delivery` only tries positions after every order out for
    delivery. Infeasible: `feasible` False with the reason. Writes nothing. Refuses
    (409) a route that is not live or is locked, and an order that cannot be inserted."""
    route = Route.objects.select_related("plan", "vehicle__depot", "driver__user").get(pk=route.pk)
    _route_live(route)
    order = _order(order)
    order_insertable(order=order, day=route.plan.date)
    now = now or live.now()
    ctx = ctx or problem_build(plan=route.plan)
    return _check(ctx, route, order, now, with_etas=with_etas, behind=behind_out_for_delivery)


def insertion_checks(
    *, order: CustomerOrder, routes, now: dt.datetime | None = None
) -> list[InsertionPreview]:
    """`insertion_check` of `order` on each of `routes` (live routes, as `live_routes` gives
    them), without ETAs: the order is read and judged insertable once, each plan's problem is
    built once. Refuses (409) like `insertion_check`; add the ETAs of the previews shown with
    `insertion_preview_etas`."""
    order = _order(order)
    now = now or live.now()
    contexts: dict[int, PlanProblem] = {}
    checked_days: set[dt.date] = set()
    previews = []
    for route in routes:
        _route_live(route)
        if route.plan.date not in checked_days:
            order_insertable(order=order, day=route.plan.date)
            checked_days.add(route.plan.date)
        ctx = contexts.get(route.plan_id) or problem_build(plan=route.plan)
        contexts[route.plan_id] = ctx
        previews.append(_check(ctx, route, order, now, with_etas=False))
    return previews


def insertion_preview_etas(
    preview: InsertionPreview, *, now: dt.datetime | None = None
) -> InsertionPreview:
    """Add the ETA engine's ETAs (before and after) to a feasible preview made without them."""
    if preview.feasible and live.sequence_etas is not None:
        _add_etas(preview, [], preview.sequence, now or live.now())
    return preview


def _check(ctx, route, order, now, *, with_etas: bool, behind: bool = False) -> InsertionPreview:
    vid = route.vehicle.code
    rows = (
        sorted(ctx.routes[vid].stops.all(), key=lambda s: s.sequence) if vid in ctx.routes else []
    )
    # A quote for an order this route already visits prices it as if it were not there yet.
    rows = [s for s in rows if stop_ref(s) != order.reference or s.status != StopStatus.PLANNED]
    demand = ctx.demand.get(order.reference) or order_demand(order)
    stop = candidate_stop(ctx, order, demand)
    sub = route_remaining_problem(ctx, vid, rows, stop, now)
    preview = InsertionPreview(
        route=route, order=order, feasible=False, currency=route.vehicle.currency, ctx=ctx
    )
    if sub.problem is None:
        preview.reason, preview.message = sub.reason, sub.message
        return preview
    preview.ready_s = sub.depart_s
    m = travel_provider().matrices(sub.problem.points, sub.depart_s)
    first = None
    if behind:
        rest = [s for s in rows if s.status == StopStatus.PLANNED]
        ofd = [k for k, s in enumerate(rest) if s.order.status == OrderStatus.OUT_FOR_DELIVERY]
        first = ofd[-1] + 1 if ofd else 0
    result = best_insertion(sub.problem, m, vid, sub.sequence, stop.id, first_position=first)
    preview.result = result
    preview.reason, preview.message = result.reason, result.message
    if not result.feasible:
        return preview
    done = len(rows) - len(sub.sequence)
    preview.feasible = True
    preview.position = done + result.position + 1
    preview.added_distance_m = result.added_distance_m
    preview.added_duration_s = result.added_duration_s
    preview.added_cost = (Decimal(result.cost_units) / COST_UNITS).quantize(Decimal("0.01"))
    new = Stop(plan=route.plan, route=route, order=order, status=StopStatus.PLANNED)
    new.sequence = preview.position
    after = [*rows[: preview.position - 1], new, *rows[preview.position - 1 :]]
    preview.sequence = after
    preview.overtaken = out_for_delivery_overtaken(before=rows, after=after)
    visits = {v.stop_id: v for v in result.after.visits}
    for k, s in enumerate(after, start=1):
        if s.status != StopStatus.PLANNED:
            continue
        v = visits.get(stop_ref(s))
        preview.stops.append(
            StopPreview(
                order=stop_ref(s),
                sequence=k,
                status=s.order.status,
                is_new=s.pk is None,
                is_out_for_delivery=s.order.status == OrderStatus.OUT_FOR_DELIVERY,
                window=(s.window_start, s.window_end) if s.pk else order.windows[0],
                planned_before=s.planned_arrival if s.pk else None,
                planned_after=ctx.at(v.arrival_s) if v else None,
            )
        )
    if with_etas and live.sequence_etas is not None:
        _add_etas(preview, rows, after, now)
    return preview


def _add_etas(preview: InsertionPreview, rows: list[Stop], after: list[Stop], now) -> None:
    """ETA before: the one the stop has now (what its customer was last told); after: the
    ETA engine's for the new sequence."""
    later = live.sequence_etas(preview.route, after, now)
    by_ref = {stop_ref(s): s for s in after}
    for row in preview.stops:
        stop = by_ref[row.order]
        pk = stop.pk
        row.eta_before = stop.eta
        if pk in later:
            row.eta_after, row.eta_after_low, row.eta_after_high, row.is_late_risk = later[pk]
