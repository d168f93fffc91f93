"""Same-day insertion: put a new or unassigned order into a live route at its cheapest feasible
position, and what an order would cost the own fleet (`marginal_cost`).

A route is live when its plan is published and the route is not completed; locked routes take
no stops by hand. The route is judged from where its vehicle is: after its last completed or
arrived stop (the vehicle leaves it no earlier than now, or the depot at the shift start when
nothing is done yet), with the driver's break still to come, the vehicle's remaining load
(deliveries still on board and any pickups) and skills. The search itself is the solver's
(`routing.solver.insertion.best_insertion`), so the cost is the optimiser's objective.

Tracking's ETAs for the preview and the refresh after a write come through `live` hooks that
an app above routing registers (dispatch does, from its AppConfig.ready): routing never imports
tracking. Without them the preview shows the planned times only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core import events
from core.exceptions import Conflict, ValidationFailed
from orders import services as order_services
from orders.models import CustomerOrder, OrderStatus
from routing.models import Plan, PlanStatus, Route, RouteStatus, Stop, StopStatus
from routing.services.overrides import (
    out_for_delivery_overtaken,
    override_record,
    override_require,
)
from routing.services.plans import route_ref
from routing.services.problem import (
    Demand,
    PlanProblem,
    order_demand,
    orders_for_planning,
    problem_build,
    travel_provider,
)
from routing.services.route_problem import (
    NO_LIVE_ROUTE,
    candidate_stop,
    route_remaining_problem,
)
from routing.solver.insertion import NO_POSITION, Insertion, best_insertion
from routing.solver.model import COST_UNITS

INSERTABLE_STATUSES = (OrderStatus.PACKED, OrderStatus.PLANNED)


@dataclass
class LiveHooks:
    """What routing borrows from the apps above it for live previews: their clock, the ETA
    engine for a proposed sequence (`sequence_etas(route, stops, now)` -> {stop pk or None for
    the new stop: (eta, low, high, is_late_risk)}) and the refresh after a write."""

    now: Callable[[], dt.datetime] = timezone.now
    sequence_etas: Callable | None = None
    routes_changed: Callable[[list[int]], None] | None = None


live = LiveHooks()


def live_hooks_register(**hooks) -> None:
    for name, value in hooks.items():
        setattr(live, name, value)


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
        Stop.objects.filter(order=order, plan__date=day)
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
) -> InsertionPreview:
    """Where `order` fits best in `route` and what it changes: the position, the added
    distance, duration and cost (the optimiser's objective, in the vehicle's currency), every
    remaining stop's planned time and ETA before and after, and the orders out for delivery
    it would overtake. Infeasible: `feasible` False with the reason. Writes nothing. Refuses
    (409) a route that is not live or is locked, and an order that cannot be inserted."""
    route = Route.objects.select_related("plan", "vehicle__depot", "driver__user").get(pk=route.pk)
    _route_live(route)
    order = _order(order)
    order_insertable(order=order, day=route.plan.date)
    now = now or live.now()
    ctx = ctx or problem_build(plan=route.plan)
    return _check(ctx, route, order, now, with_etas=with_etas)


def _check(ctx, route, order, now, *, with_etas: bool) -> InsertionPreview:
    vid = route.vehicle.code
    rows = (
        sorted(ctx.routes[vid].stops.all(), key=lambda s: s.sequence) if vid in ctx.routes else []
    )
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
    result = best_insertion(sub.problem, m, vid, sub.sequence, stop.id)
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
        v = visits.get(s.order.reference)
        preview.stops.append(
            StopPreview(
                order=s.order.reference,
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
    before = live.sequence_etas(preview.route, rows, now)
    later = live.sequence_etas(preview.route, after, now)
    by_ref = {s.order.reference: s.pk for s in after}
    for row in preview.stops:
        pk = by_ref[row.order]
        if pk in before:
            row.eta_before = before[pk][0]
        if pk in later:
            row.eta_after, row.eta_after_low, row.eta_after_high, row.is_late_risk = later[pk]


def order_insert(
    *,
    route: Route,
    order: CustomerOrder,
    override: bool = False,
    reason: str = "",
    user=None,
    now: dt.datetime | None = None,
) -> Stop:
    """Insert `order` into live `route` at its cheapest feasible position (as
    `insertion_check` finds it, again, under the plan's lock). Infeasible: 422 with the
    reason. Ahead of an order out for delivery: 409 unless `override` with a `reason`, which
    goes on the timeline of every order overtaken and of the inserted one. The stop is added
    after the stops already done; the planned stops after it are re-timed; the order joins the
    plan and becomes planned (orders' timeline); `plan.routes_changed` is published."""
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=route.plan_id)
        if plan.jobs.filter(status__in=["queued", "running"]).exists():
            raise Conflict("The plan is being optimised; wait for the job to finish.", field="plan")
        CustomerOrder.objects.select_for_update(of=("self",)).filter(pk=order.pk).first()
        preview = insertion_check(route=route, order=order, now=now, with_etas=False)
        if not preview.feasible:
            raise ValidationFailed(
                f"{preview.order.reference} does not fit route {route_ref(preview.route)}: "
                f"{preview.message}",
                field="order",
                code=preview.reason or "infeasible",
            )
        route = preview.route
        clean = override_require(
            overtaken=preview.overtaken,
            override=override,
            reason=reason,
            action=f"inserting {preview.order.reference} as stop {preview.position}",
        )
        stop = _write(preview)
        ref = route_ref(route)
        order_services.order_plan(order=preview.order, user=user, route_ref=ref)
        if preview.overtaken:
            what = f"{preview.order.reference} inserted ahead of it on route {ref}"
            data = {"route": ref, "inserted": preview.order.reference}
            override_record(
                overtaken=preview.overtaken, reason=clean, user=user, what=what, data=data
            )
            override_record(
                overtaken=[stop],
                reason=clean,
                user=user,
                what=f"inserted as stop {stop.sequence} of route {ref}, ahead of "
                + ", ".join(s.order.reference for s in preview.overtaken),
                data=data,
            )
        changed = [s.order.reference for s in preview.sequence if s.status == StopStatus.PLANNED]
        events.publish("plan.routes_changed", {"plan": plan.reference, "orders": sorted(changed)})
        if live.routes_changed is not None:
            live.routes_changed([route.pk])
    return stop


def _write(preview: InsertionPreview) -> Stop:
    ctx, route, order, result = preview.ctx, preview.route, preview.order, preview.result
    visits = {v.stop_id: v for v in result.after.visits}
    for k, s in enumerate(preview.sequence, start=1):
        v = visits.get(s.order.reference)
        s.sequence = k
        if s.pk is None:
            s.window_start, s.window_end = order.windows[0]
        if v is not None and s.status == StopStatus.PLANNED:
            s.planned_arrival = ctx.at(v.arrival_s)
            s.planned_start = ctx.at(v.start_s)
            s.planned_departure = ctx.at(v.departure_s)
        s.save()
    new = next(s for s in preview.sequence if s.order_id == order.pk)
    end = ctx.at(result.after.end_s)
    route.end_at = max(end, route.start_at)
    route.distance_m = max(0, route.distance_m + preview.added_distance_m)
    route.duration_s = int((route.end_at - route.start_at).total_seconds())
    load = Demand(route.load_weight_kg, route.load_volume_m3, route.load_units) + ctx.demand.get(
        order.reference, order_demand(order)
    )
    route.load_weight_kg = load.weight_kg.quantize(Decimal("0.01"))
    route.load_volume_m3 = load.volume_m3.quantize(Decimal("0.001"))
    route.load_units = load.units
    if result.after.breaks:
        ready = ctx.at(preview.ready_s)
        kept = [
            b
            for b in route.breaks or []
            if dt.datetime.fromisoformat(b["start"]) + dt.timedelta(seconds=b["duration_s"])
            <= ready
        ]
        route.breaks = kept + [
            {"start": ctx.at(b.start_s).isoformat(), "duration_s": b.duration_s}
            for b in result.after.breaks
        ]
    route.save()
    plan = route.plan
    plan.orders.add(order)
    if any(u.get("order") == order.reference for u in plan.unassigned or []):
        plan.unassigned = [u for u in plan.unassigned if u.get("order") != order.reference]
        Plan.objects.filter(pk=plan.pk).update(unassigned=plan.unassigned)
    return new


# --- the own fleet's price of an order ---------------------------------------------------------


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
    optimiser's objective. Writes nothing; None when no live route can take it.

    `order_or_point` is a `CustomerOrder` (its warehouse, demand, windows, service time and
    skills are used; the order need not be packed) or a `(latitude, longitude)` pair, which
    then needs `warehouse`, and may give `demand` (default: nothing to carry), `window`
    (default: any time), `service_s` and `skills`. `warehouse` limits the routes to that
    depot's vehicles (default: the order's warehouse; every depot for a bare point).
    """
    now = now or live.now()
    if isinstance(order_or_point, CustomerOrder):
        order = _order(order_or_point)
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


__all__ = [
    "INSERTABLE_STATUSES",
    "NO_LIVE_ROUTE",
    "NO_POSITION",
    "InsertionPreview",
    "LiveHooks",
    "MarginalCost",
    "StopPreview",
    "insertion_check",
    "live",
    "live_hooks_register",
    "live_routes",
    "marginal_cost",
    "order_insert",
    "order_insertable",
]
