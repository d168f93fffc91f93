"""Plans: create, publish, lock routes, and stop status changes (driver app / tracking)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core import events
from core.exceptions import Conflict, ValidationFailed, assert_transition
from core.references import reference_next
from orders import services as order_services
from orders.models import CustomerOrder, OrderStatus
from routing import conf
from routing.models import (
    Plan,
    PlanStatus,
    Route,
    RouteStatus,
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
) -> Plan:
    """A draft plan for `date`. Orders must be confirmed..packed (or planned), from one of the
    plan's depots, and on no route of another plan; shifts must be on `date`, with a vehicle
    of one of the depots, and on no other plan's route."""
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
    bad_shifts = sorted(
        str(s) for s in shifts if s.date != date or s.vehicle.depot_id not in depot_ids
    )
    if bad_shifts:
        raise ValidationFailed(
            f"Shifts must be on {date} with a vehicle of the plan's depots: "
            f"{'; '.join(bad_shifts)}.",
            field="shifts",
        )
    with transaction.atomic():
        plan = Plan.objects.create(
            reference=reference_next(prefix="PLN", year=date.year),
            date=date,
            minimise_vehicles=minimise_vehicles,
            time_limit_s=time_limit_s,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        plan.depots.set(depots)
        plan.orders.set(orders)
        plan.shifts.set(shifts)
    return plan


def plan_publish(*, plan: Plan, user=None) -> Plan:
    """ready → published: every routed order becomes planned (through the orders service,
    which records it on the order's timeline) and the routes become visible to drivers.
    Refused while a job runs, or when a routed order is not packed yet (naming them)."""
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        assert_transition(
            PLAN_TRANSITIONS, current=plan.status, target=PlanStatus.PUBLISHED, what="plan"
        )
        stops = list(
            Stop.objects.filter(plan=plan)
            .select_related("order", "route__vehicle")
            .order_by("route__sequence", "sequence")
        )
        if not stops:
            raise Conflict("The plan has no routes to publish.", field="routes")
        unready = sorted(
            s.order.reference
            for s in stops
            if s.order.status not in (OrderStatus.PACKED, OrderStatus.PLANNED)
        )
        if unready:
            raise Conflict(
                f"Orders must be packed before the plan is published: {', '.join(unready)}.",
                field="orders",
                code="not_packed",
                extra={"orders": unready},
            )
        for stop in stops:
            order_services.order_plan(order=stop.order, user=user, route_ref=route_ref(stop.route))
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


def plan_orders_sync(*, plan: Plan, user=None) -> None:
    """After a published plan changed (re-optimisation): orders newly on a route become
    planned, orders that fell off every route go back to packed."""
    if plan.status != PlanStatus.PUBLISHED:
        return
    routed = set(Stop.objects.filter(plan=plan).values_list("order_id", flat=True))
    for order in CustomerOrder.objects.filter(plans=plan).order_by("pk"):
        if order.pk in routed and order.status == OrderStatus.PACKED:
            stop = Stop.objects.select_related("route__plan", "route__vehicle").get(
                plan=plan, order=order
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
    Publishes `stop.status_changed` (plan, order, status, at) in the same transaction."""
    at = at or timezone.now()
    with transaction.atomic():
        stop = Stop.objects.select_for_update().select_related("route").get(pk=stop.pk)
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
        plan_ref, order_ref = (
            Stop.objects.filter(pk=stop.pk).values_list("plan__reference", "order__reference").get()
        )
        events.publish(
            "stop.status_changed",
            {"plan": plan_ref, "order": order_ref, "status": status, "at": at},
        )
    return stop
