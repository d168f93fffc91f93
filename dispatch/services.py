"""The dispatcher's actions on the board. Each one goes through the owning app's service (the
same one its API calls), records what happened on the order's timeline, and — after commit —
asks tracking to recompute the ETAs of every route it touched.

dispatch sits above routing, tracking and orders (it orchestrates them; none of them imports it).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from core.exceptions import Conflict, ValidationFailed
from orders.models import OrderEvent, OrderStatus
from orders.services import order_cancel, order_event_add, order_reschedule
from routing import services as routing
from routing.models import OptimizationJob, Plan, Route, Stop, StopStatus
from routing.services.plans import route_ref
from tracking.display import window_text
from tracking.models import Notification
from tracking.services import eta_request, notification_create


def _refresh_etas_after_commit(route_ids) -> None:
    ids = sorted(set(route_ids))

    def _go():
        for route_id in ids:
            eta_request(route_id=route_id, force=True)

    transaction.on_commit(_go, robust=True)


def stop_reassign(*, stop: Stop, route: Route, position: int, user=None) -> Stop:
    """Move a planned stop to `position` of `route` (another route, or the same one to
    resequence) through routing's checked `stop_move`: infeasible moves are refused with the
    reasons (422) and nothing changes. The order's timeline gets a note; both routes' ETAs are
    recomputed after commit."""
    with transaction.atomic():
        stop = Stop.objects.select_related("order", "route__plan", "route__vehicle").get(pk=stop.pk)
        source = stop.route
        source_ref = route_ref(source)
        moved = routing.stop_move(stop=stop, route=route, position=position, user=user)
        target = Route.objects.select_related("plan", "vehicle").get(pk=route.pk)
        if source.pk == target.pk:
            message = f"Resequenced on route {source_ref}: now stop {moved.sequence}."
        else:
            message = (
                f"Moved from route {source_ref} to route {route_ref(target)}, "
                f"stop {moved.sequence}."
            )
        order_event_add(
            order=stop.order,
            type=OrderEvent.Type.NOTE,
            message=message,
            data={
                "action": "stop_moved",
                "from_route": source_ref,
                "to_route": route_ref(target),
                "position": moved.sequence,
            },
            user=user,
        )
        _refresh_etas_after_commit([source.pk, target.pk])
    return moved


def failed_reschedule(
    *,
    stop: Stop,
    window_start: dt.datetime,
    window_end: dt.datetime,
    user=None,
    reason: str = "",
) -> Stop:
    """A failed delivery gets a new window on another day (orders' `order_reschedule`: failed →
    packed, timeline entry); the failed stop stays on today's route as history."""
    if stop.status != StopStatus.FAILED:
        raise Conflict(
            f"Only a failed delivery can be rescheduled from the board (this stop is "
            f"{stop.status}).",
            field="stop",
            code="not_failed",
        )
    tz = stop.order.warehouse.tzinfo
    if window_start.astimezone(tz).date() == stop.plan.date:
        raise ValidationFailed("Choose another day than the failed attempt's.", field="date")
    with transaction.atomic():
        order_reschedule(
            order=stop.order,
            window_start=window_start,
            window_end=window_end,
            user=user,
            reason=reason or "Rescheduled by dispatch after a failed delivery.",
        )
    stop.order.refresh_from_db()
    return stop


def stop_cancel(*, stop: Stop, user=None, reason: str = "") -> Stop:
    """Cancel the stop's order (orders' `order_cancel`: reservations released, timeline,
    event). A stop still planned on a route is taken off the driver's list (skipped) so nobody
    drives there; the route's ETAs are recomputed. Orders already out for delivery cannot be
    cancelled (409 from the orders lifecycle)."""
    with transaction.atomic():
        stop = Stop.objects.select_for_update().select_related("order", "route").get(pk=stop.pk)
        order_cancel(order=stop.order, reason=reason or "Cancelled by dispatch.", user=user)
        if stop.status == StopStatus.PLANNED:
            stop = routing.stop_status_set(stop=stop, status=StopStatus.SKIPPED)
        _refresh_etas_after_commit([stop.route_id])
    return stop


def customer_eta_message(*, stop: Stop, user=None) -> Notification:
    """E-mail the customer the stop's current ETA window (tracking's notification, once per
    window: the same window twice is refused with 409) and note it on the order's timeline."""
    stop = Stop.objects.select_related("order__customer", "order__warehouse").get(pk=stop.pk)
    order = stop.order
    if stop.is_done or order.status in (OrderStatus.DELIVERED, OrderStatus.CANCELLED):
        raise Conflict(f"{order.reference} is {stop.status}: nothing to announce.", field="stop")
    if not (stop.eta_low and stop.eta_high):
        raise Conflict(
            f"{order.reference} has no ETA yet (the route has not been tracked).",
            field="stop",
            code="no_eta",
        )
    recipient = order.contact_email or (order.customer.email if order.customer_id else "")
    if not recipient:
        raise ValidationFailed(
            f"{order.reference} has no e-mail address to write to.", field="contact_email"
        )
    tz = order.warehouse.tzinfo
    text = window_text(stop.eta_low, stop.eta_high, tz)
    key = f"board:{stop.pk}:{stop.eta_low.astimezone(tz):%H%M}-{stop.eta_high.astimezone(tz):%H%M}"
    with transaction.atomic():
        notification = notification_create(
            order=order,
            kind=Notification.Kind.ETA_CHANGED,
            key=key,
            context={"eta_window": text},
        )
        if notification is None:
            raise Conflict(
                f"The customer was already sent this window ({text}).",
                field="stop",
                code="already_sent",
            )
        order_event_add(
            order=order,
            type=OrderEvent.Type.NOTE,
            message=f"Dispatch sent the customer the new ETA: {text}.",
            data={"action": "eta_message", "eta_low": stop.eta_low, "eta_high": stop.eta_high},
            user=user,
        )
    return notification


def plan_reoptimize(*, plan: Plan, user=None) -> OptimizationJob:
    """Re-optimise the unlocked part of a published day (routing's job: locked routes and
    stops already reached stay). Refused while another job of the plan runs (409)."""
    return routing.plan_optimize(plan=plan, user=user, kind=OptimizationJob.Kind.REOPTIMIZE)
