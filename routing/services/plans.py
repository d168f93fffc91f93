"""Plans: create, publish, lock routes, and stop status changes (driver app / tracking)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core import events
from core.exceptions import Conflict, ValidationFailed, assert_transition
from core.references import reference_next
from orders import selectors as order_selectors
from orders import services as order_services
from orders.models import CustomerOrder, OrderEvent, OrderStatus, Return, ReturnStatus
from routing import conf
from routing.fleet.selectors import shifts_workable
from routing.models import (
    Engine,
    Plan,
    PlanStatus,
    Route,
    RouteStatus,
    Shift,
    Stop,
    StopStatus,
)

# Orders a dispatcher may put into a plan: reserved stock, not yet on its way. Publishing
# needs them packed (the orders lifecycle plans only packed orders).
PLANNABLE_ORDER_STATUSES = (
    OrderStatus.CONFIRMED,
    OrderStatus.PICKED,
    OrderStatus.PACKED,
    OrderStatus.PLANNED,
)

PLAN_TRANSITIONS: dict[str, set[str]] = {
    PlanStatus.DRAFT: {PlanStatus.OPTIMIZING},
    PlanStatus.OPTIMIZING: {PlanStatus.READY, PlanStatus.DRAFT},
    PlanStatus.READY: {PlanStatus.OPTIMIZING, PlanStatus.PUBLISHED},
    PlanStatus.PUBLISHED: set(),
}

STOP_TRANSITIONS: dict[str, set[str]] = {
    StopStatus.PLANNED: {
        StopStatus.ARRIVED,
        StopStatus.DELIVERED,
        StopStatus.FAILED,
        StopStatus.SKIPPED,
    },
    StopStatus.ARRIVED: {StopStatus.DELIVERED, StopStatus.FAILED},
    StopStatus.DELIVERED: set(),
    StopStatus.FAILED: set(),
    StopStatus.SKIPPED: set(),
}


def plan_create(
    *,
    date: dt.date,
    depots,
    orders,
    shifts,
    user=None,
    minimise_vehicles: bool = False,
    time_limit_s: int | None = None,
    returns=None,
    engine: str = Engine.AUTO,
) -> Plan:
    """A draft plan for `date`. Orders must be confirmed..packed (or planned), from one of the
    plan's depots, and on no route of another plan; shifts must be on `date`, with a vehicle
    of one of the depots, and on no other plan's route. Returns to pick up: `returns`, or
    when None every pickup waiting at the plan's depots (`returns_to_pick_up`)."""
    if engine not in Engine.values:
        raise ValidationFailed(
            f"Choose an engine: one of {', '.join(Engine.values)}.", field="engine"
        )
    depots = list(depots)
    orders = list(orders)
    shifts = list(shifts)
    if not depots:
        raise ValidationFailed("Choose at least one depot.", field="depots", code="required")
    if time_limit_s is None:
        time_limit_s = conf.get("ROUTING_DEFAULT_TIME_LIMIT_S")
    max_limit = conf.get("ROUTING_MAX_TIME_LIMIT_S")
    if not 0 < time_limit_s <= max_limit:
        raise ValidationFailed(
            f"The time limit must be between 1 and {max_limit} seconds.", field="time_limit_s"
        )
    depot_ids = {d.pk for d in depots}
    bad = sorted(
        o.reference
        for o in orders
        if o.status not in PLANNABLE_ORDER_STATUSES or o.warehouse_id not in depot_ids
    )
    if bad:
        raise ValidationFailed(
            "These orders cannot be planned here (status must be confirmed, picked or packed, "
            f"from one of the plan's depots): {', '.join(bad)}.",
            field="orders",
            code="not_plannable",
        )
    routed = sorted(
        Stop.objects.filter(order__in=orders, plan__date=date).values_list(
            "order__reference", flat=True
        )
    )
    if routed:
        raise ValidationFailed(
            f"Already on a route of another plan that day: {', '.join(routed)}.",
            field="orders",
            code="already_planned",
        )
    workable = set(
        shifts_workable(Shift.objects.filter(pk__in=[s.pk for s in shifts])).values_list(
            "pk", flat=True
        )
    )
    bad_shifts = sorted(
        str(s)
        for s in shifts
        if s.date != date or s.vehicle.depot_id not in depot_ids or s.pk not in workable
    )
    if bad_shifts:
        raise ValidationFailed(
            f"Shifts must be on {date}, with a vehicle of the plan's depots and a driver "
            f"who is not off: "
            f"{'; '.join(bad_shifts)}.",
            field="shifts",
        )
    if returns is None:
        returns = list(returns_to_pick_up(date=date, depots=depots))
    else:
        returns = _returns_clean(list(returns), date=date, depot_ids=depot_ids)
    with transaction.atomic():
        plan = Plan.objects.create(
            reference=reference_next(prefix="PLN", year=date.year),
            date=date,
            minimise_vehicles=minimise_vehicles,
            time_limit_s=time_limit_s,
            engine=engine,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        plan.depots.set(depots)
        plan.orders.set(orders)
        plan.shifts.set(shifts)
        plan.returns.set(returns)
    return plan


def returns_to_pick_up(*, date: dt.date, depots):
    """Approved pickup returns at `depots` (orders' `returns_awaiting_pickup`) that a plan for
    `date` takes: a pickup window touching that day or none, in no other plan of that day and
    not waiting on another plan's route (a failed pickup comes back for the next plan)."""
    day_start = dt.datetime.combine(date, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(hours=14)
    day_end = day_start + dt.timedelta(hours=24 + 28)
    return (
        order_selectors.returns_awaiting_pickup()
        .filter(warehouse__in=depots)
        .exclude(pickup_window_start__gte=day_end)
        .exclude(pickup_window_end__lte=day_start)
        .exclude(plans__date=date)
        .exclude(route_stops__status__in=[StopStatus.PLANNED, StopStatus.ARRIVED])
        .distinct()
    )


def _returns_clean(returns: list[Return], *, date: dt.date, depot_ids: set[int]) -> list[Return]:
    wanted = {r.pk for r in returns}
    depots = list(depot_ids)
    ok = set(
        returns_to_pick_up(date=date, depots=depots)
        .filter(pk__in=wanted)
        .values_list("pk", flat=True)
    )
    bad = sorted(r.reference for r in returns if r.pk not in ok)
    if bad:
        raise ValidationFailed(
            "These returns cannot be picked up by this plan (approved pickups with a location, "
            f"from one of the plan's depots, on no other route that day): {', '.join(bad)}.",
            field="returns",
            code="not_plannable",
        )
    return returns


def plan_publish_check(*, plan: Plan) -> list[Stop]:
    """What publishing refuses, raised: a plan that is not ready (a job runs, or it was
    published), a plan without routes, a routed order not packed yet (naming them). Returns the
    plan's stops in route order."""
    assert_transition(
        PLAN_TRANSITIONS, current=plan.status, target=PlanStatus.PUBLISHED, what="plan"
    )
    stops = list(
        Stop.objects.filter(plan=plan)
        .select_related("order", "ret", "route__vehicle", "route__plan")
        .order_by("route__sequence", "sequence")
    )
    if not stops:
        raise Conflict("The plan has no routes to publish.", field="routes")
    unready = sorted(
        s.order.reference
        for s in stops
        if not s.is_pickup and s.order.status not in (OrderStatus.PACKED, OrderStatus.PLANNED)
    )
    if unready:
        raise Conflict(
            f"Orders must be packed before the plan is published: {', '.join(unready)}.",
            field="orders",
            code="not_packed",
            extra={"orders": unready},
        )
    return stops


PUBLISH_PROGRESS_EVERY = 10  # stops between two progress reports


def plan_publish(*, plan: Plan, user=None, progress=None) -> Plan:
    """ready → published: every routed order becomes planned (through the orders service,
    which records it on the order's timeline) and the routes become visible to drivers.
    Refused while a job runs, or when a routed order is not packed yet (naming them); all or
    nothing. `progress(done, total)` is told how many stops are done as it goes (the
    publication task shows it on the plan page)."""
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        stops = plan_publish_check(plan=plan)
        for n, stop in enumerate(stops, start=1):
            if stop.is_pickup:
                _pickup_planned(stop, user=user)
            else:
                order_services.order_plan(
                    order=stop.order, user=user, route_ref=route_ref(stop.route)
                )
            if progress is not None and (n % PUBLISH_PROGRESS_EVERY == 0 or n == len(stops)):
                progress(n, len(stops))
        plan.status = PlanStatus.PUBLISHED
        plan.published_at = timezone.now()
        plan.save(update_fields=["status", "published_at", "updated_at"])
        events.publish(
            "plan.published",
            {
                "plan": plan.reference,
                "date": plan.date.isoformat(),
                "routes": plan.routes.count(),
                "stops": len(stops),
            },
        )
    return plan


def route_ref(route: Route) -> str:
    return f"{route.plan.reference}/{route.sequence} {route.vehicle.code}"


def _pickup_planned(stop: Stop, *, user=None) -> None:
    """The return's timeline says when it will be collected (its status stays approved until
    the driver has the items)."""
    tz = stop.route.vehicle.depot.tzinfo
    order_services.order_event_add(
        order=stop.order,
        ret=stop.ret,
        type=OrderEvent.Type.NOTE,
        message=f"Pickup planned on {stop.planned_arrival.astimezone(tz):%a %d %b around %H:%M}"
        f" (route {route_ref(stop.route)}).",
        data={"route": route_ref(stop.route), "planned_arrival": stop.planned_arrival},
        user=user,
    )


def _return_advance(stop: Stop, route: Route) -> None:
    """A served pickup puts its return in transit; a completed route brings every return it
    collected back to the depot (orders' return services keep the return's rules)."""
    if stop.is_pickup and stop.status == StopStatus.DELIVERED:
        order_services.return_in_transit(ret=stop.ret)
    if route.status != RouteStatus.COMPLETED:
        return
    collected = Return.objects.filter(
        route_stops__route=route,
        route_stops__status=StopStatus.DELIVERED,
        status=ReturnStatus.IN_TRANSIT,
    ).order_by("pk")
    ref = route_ref(Route.objects.select_related("plan", "vehicle").get(pk=route.pk))
    for ret in collected:
        order_services.return_at_depot(ret=ret, route_ref=ref)


def plan_orders_sync(*, plan: Plan, user=None) -> None:
    """After a published plan changed (re-optimisation): orders newly on a route become
    planned, orders that fell off every route go back to packed."""
    if plan.status != PlanStatus.PUBLISHED:
        return
    routed = set(
        Stop.objects.filter(plan=plan, ret__isnull=True).values_list("order_id", flat=True)
    )
    for order in CustomerOrder.objects.filter(plans=plan).order_by("pk"):
        if order.pk in routed and order.status == OrderStatus.PACKED:
            stop = Stop.objects.select_related("route__plan", "route__vehicle").get(
                plan=plan, order=order, ret__isnull=True
            )
            order_services.order_plan(order=order, user=user, route_ref=route_ref(stop.route))
        elif order.pk not in routed and order.status == OrderStatus.PLANNED:
            order_services.order_unplan(
                order=order, user=user, reason=f"Left out when {plan.reference} was re-optimised."
            )


def route_lock(*, route: Route, is_locked: bool = True) -> Route:
    """A locked route keeps its stops and their order through re-optimisation and cannot take
    or give stops by hand until it is unlocked."""
    Route.objects.filter(pk=route.pk).update(is_locked=is_locked, updated_at=timezone.now())
    route.is_locked = is_locked
    return route


def stop_status_set(*, stop: Stop, status: str, at: dt.datetime | None = None) -> Stop:
    """Record a stop's progress (driver app, tracking): arrival and departure times, and the
    route's status (in progress from the first stop reached, completed when none is left).
    A served pickup (status delivered) puts its return in transit, and a route that
    completes brings the returns it collected to the depot (`_return_advance`).
    Publishes `stop.status_changed` (plan, order, status, at; `return` for a pickup) in the
    same transaction."""
    at = at or timezone.now()
    with transaction.atomic():
        stop = (
            Stop.objects.select_for_update(of=("self",))
            .select_related("route", "ret", "order")
            .get(pk=stop.pk)
        )
        if stop.status == status:
            return stop
        assert_transition(STOP_TRANSITIONS, current=stop.status, target=status, what="stop")
        stop.status = status
        if status == StopStatus.ARRIVED or (
            status in (StopStatus.DELIVERED, StopStatus.FAILED) and stop.arrived_at is None
        ):
            stop.arrived_at = stop.arrived_at or at
        if status in (StopStatus.DELIVERED, StopStatus.FAILED, StopStatus.SKIPPED):
            stop.departed_at = at
        stop.save()
        route = Route.objects.select_for_update().get(pk=stop.route_id)
        left = route.stops.filter(status__in=[StopStatus.PLANNED, StopStatus.ARRIVED]).exists()
        route.status = RouteStatus.IN_PROGRESS if left else RouteStatus.COMPLETED
        route.save(update_fields=["status", "updated_at"])
        _return_advance(stop, route)
        plan_ref, order_ref = (
            Stop.objects.filter(pk=stop.pk).values_list("plan__reference", "order__reference").get()
        )
        payload = {"plan": plan_ref, "order": order_ref, "status": status, "at": at}
        if stop.is_pickup:
            payload["return"] = stop.ret.reference
        events.publish("stop.status_changed", payload)
    return stop
