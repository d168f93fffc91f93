"""A customer order on the road: planned on a route (routing), out for delivery, arriving,
delivered or failed (tracking), rescheduled, cancelled (stock released or put back)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.exceptions import (
    Conflict,
    ValidationFailed,
    assert_transition,
)
from inventory.models import StockMove
from inventory.selectors import reservations_for_demand
from inventory.services import (
    reservations_release,
    stock_ship,
    stock_transfer,
)
from orders.models import (
    CustomerOrder,
    DeliveryAttempt,
    FailureReason,
    OrderEvent,
    OrderLine,
)
from orders.services.cleaning import (
    windows_clean,
)
from orders.services.common import (
    EDITABLE_STATUSES,
    ORDER_TRANSITIONS,
    S,
    acting_user,
    order_event_add,
    order_lines,
    order_lock,
    order_move,
    order_sync,
)


@transaction.atomic
def order_plan(*, order: CustomerOrder, user=None, route_ref: str = "") -> CustomerOrder:
    """packed → planned (put on a route). Already planned: unchanged. Needs a location (409)."""
    locked = order_lock(order)
    if locked.status == S.PLANNED:
        return order_sync(order, locked)
    if locked.needs_location:
        raise Conflict(
            f"{locked.reference} has no coordinates yet; set its location before planning.",
            field="latitude",
            code="needs_location",
        )
    order_move(locked, S.PLANNED)
    order_event_add(
        order=locked,
        type=OrderEvent.Type.PLANNED,
        message=f"Planned on route {route_ref}." if route_ref else "Planned on a route.",
        data={"route": route_ref} if route_ref else {},
        user=user,
    )
    return order_sync(order, locked)


@transaction.atomic
def order_unplan(*, order: CustomerOrder, user=None, reason: str = "") -> CustomerOrder:
    """planned → packed (removed from a plan or route). Already packed: unchanged."""
    locked = order_lock(order)
    if locked.status == S.PACKED:
        return order_sync(order, locked)
    order_move(locked, S.PACKED)
    order_event_add(
        order=locked,
        type=OrderEvent.Type.UNPLANNED,
        message=reason or "Removed from its route.",
        user=user,
    )
    return order_sync(order, locked)


@transaction.atomic
def order_out_for_delivery(
    *, order: CustomerOrder, user=None, route_ref: str = "", at: datetime | None = None
) -> CustomerOrder:
    """planned → out_for_delivery (the vehicle, or a carrier, left with it; `at` when that
    happened, default now). Repeated calls change nothing."""
    locked = order_lock(order)
    if locked.status == S.OUT_FOR_DELIVERY:
        return order_sync(order, locked)
    order_move(locked, S.OUT_FOR_DELIVERY)
    order_event_add(
        order=locked,
        type=OrderEvent.Type.OUT_FOR_DELIVERY,
        message="Out for delivery.",
        data={"route": route_ref} if route_ref else {},
        user=user,
        at=at,
    )
    return order_sync(order, locked)


@transaction.atomic
def order_arriving(
    *, order: CustomerOrder, eta: datetime | None = None, user=None
) -> CustomerOrder:
    """Timeline entry "arriving" (the driver is next); the status stays out_for_delivery."""
    locked = order_lock(order)
    if locked.status != S.OUT_FOR_DELIVERY:
        raise Conflict(
            f"{locked.reference} is not out for delivery.",
            field="status",
            extra={"current_state": locked.status},
        )
    order_event_add(
        order=locked,
        type=OrderEvent.Type.ARRIVING,
        message="The driver is on the way to you.",
        data={"eta": eta} if eta else {},
        user=user,
    )
    return order_sync(order, locked)


@transaction.atomic
def order_deliver(
    *, order: CustomerOrder, at: datetime | None = None, user=None, note: str = ""
) -> CustomerOrder:
    """out_for_delivery → delivered: ships the picked stock (ledger `ship`), records the attempt.

    Delivering an already delivered order changes nothing (a retried call is harmless).
    """
    locked = order_lock(order)
    if locked.status == S.DELIVERED:
        return order_sync(order, locked)
    assert_transition(ORDER_TRANSITIONS, current=locked.status, target=S.DELIVERED, what="order")
    at = at or timezone.now()
    lines = order_lines(locked)
    for line in lines:
        if line.quantity_picked > 0:
            stock_ship(demand_ref=line.demand_ref, user=acting_user(user))
        line.quantity_delivered = line.quantity_picked
    OrderLine.objects.bulk_update(lines, ["quantity_delivered"])
    DeliveryAttempt.objects.create(
        order=locked,
        attempted_at=at,
        outcome=DeliveryAttempt.Outcome.DELIVERED,
        note=note[:500],
        recorded_by=acting_user(user),
    )
    order_move(locked, S.DELIVERED, delivered_at=at)
    order_event_add(
        order=locked, type=OrderEvent.Type.DELIVERED, message="Delivered.", user=user, at=at
    )
    return order_sync(order, locked)


@transaction.atomic
def order_fail(
    *, order: CustomerOrder, reason: str, at: datetime | None = None, user=None, note: str = ""
) -> CustomerOrder:
    """out_for_delivery → failed with a reason (FailureReason); the goods stay reserved."""
    if reason not in FailureReason.values:
        raise ValidationFailed(
            f"Unknown failure reason; use one of {', '.join(FailureReason.values)}.",
            field="reason",
        )
    locked = order_lock(order)
    assert_transition(ORDER_TRANSITIONS, current=locked.status, target=S.FAILED, what="order")
    at = at or timezone.now()
    DeliveryAttempt.objects.create(
        order=locked,
        attempted_at=at,
        outcome=DeliveryAttempt.Outcome.FAILED,
        failure_reason=reason,
        note=note[:500],
        recorded_by=acting_user(user),
    )
    order_move(locked, S.FAILED)
    label = FailureReason(reason).label
    order_event_add(
        order=locked,
        type=OrderEvent.Type.FAILED,
        message=f"Delivery failed: {label}." + (f" {note}" if note else ""),
        data={"reason": reason},
        user=user,
        at=at,
    )
    return order_sync(order, locked)


@transaction.atomic
def order_reschedule(
    *,
    order: CustomerOrder,
    window_start: datetime,
    window_end: datetime,
    window2_start: datetime | None = None,
    window2_end: datetime | None = None,
    user=None,
    reason: str = "",
) -> CustomerOrder:
    """Give an order new delivery window(s).

    A failed order goes back to packed for a new attempt; orders not yet planned just get the
    new window. A planned order must be taken off its route first (409); later states too.
    """
    windows_clean(
        window_start=window_start,
        window_end=window_end,
        window2_start=window2_start,
        window2_end=window2_end,
    )
    locked = order_lock(order)
    if locked.status not in EDITABLE_STATUSES:
        raise Conflict(
            f"A {locked.get_status_display().lower()} order cannot be rescheduled"
            + (" until it is removed from its route." if locked.status == S.PLANNED else "."),
            field="status",
            code="invalid_transition",
            extra={
                "current_state": locked.status,
                "allowed_states": sorted(EDITABLE_STATUSES),
            },
        )
    previous = {"window_start": locked.window_start, "window_end": locked.window_end}
    locked.window_start, locked.window_end = window_start, window_end
    locked.window2_start, locked.window2_end = window2_start, window2_end
    fields = ["window_start", "window_end", "window2_start", "window2_end"]
    if locked.status == S.FAILED:
        order_move(locked, S.PACKED, **{f: getattr(locked, f) for f in fields})
    else:
        locked.save(update_fields=[*fields, "updated_at"])
    order_event_add(
        order=locked,
        type=OrderEvent.Type.RESCHEDULED,
        message=reason or "New delivery window.",
        data={
            "previous": previous,
            "window_start": window_start,
            "window_end": window_end,
        },
        user=user,
    )
    return order_sync(order, locked)


@transaction.atomic
def order_cancel(*, order: CustomerOrder, reason: str = "", user=None) -> CustomerOrder:
    """Cancel until the order is out for delivery (and after a failed attempt: back to stock).

    Every reservation is released; units already picked go back from the dispatch location to
    the location they were picked from (ledger `release` + `transfer`), all in one transaction.
    """
    locked = order_lock(order)
    assert_transition(ORDER_TRANSITIONS, current=locked.status, target=S.CANCELLED, what="order")
    lines = order_lines(locked)
    released = 0
    restocked = 0
    for line in lines:
        if line.quantity_reserved <= 0:
            continue
        picked = [
            r
            for r in reservations_for_demand(demand_ref=line.demand_ref, active_only=True)
            if r.state == r.State.PICKED
        ]
        released += reservations_release(
            demand_ref=line.demand_ref, user=acting_user(user), reason=reason or "Order cancelled"
        )
        restocked += _put_back_picked(line=line, picked=picked, user=user, reason=reason)
        line.quantity_reserved = 0
        line.quantity_picked = 0
    OrderLine.objects.bulk_update(lines, ["quantity_reserved", "quantity_picked"])
    order_move(locked, S.CANCELLED)
    order_event_add(
        order=locked,
        type=OrderEvent.Type.CANCELLED,
        message=reason or "Cancelled.",
        data={"released_units": released, "restocked_units": restocked},
        user=user,
    )
    return order_sync(order, locked)


def _put_back_picked(*, line: OrderLine, picked: list, user, reason: str) -> int:
    """Move released, formerly picked units from the dispatch location back to their origin."""
    if not picked:
        return 0
    origins = {
        move.to_stock_id: move.from_location
        for move in StockMove.objects.filter(
            reference=line.demand_ref, kind=StockMove.Kind.PICK
        ).select_related("from_location__warehouse")
    }
    moved = 0
    for reservation in picked:
        origin = origins.get(reservation.stock_id)
        if origin is None or origin.pk == reservation.stock.location_id or not origin.is_active:
            continue  # nothing to move back to: the units stay free at the dispatch location
        stock_transfer(
            stock=reservation.stock,
            to_location=origin,
            quantity=reservation.quantity,
            user=acting_user(user),
            reason=f"Back to stock: {reason or 'order cancelled'}",
            reference=line.demand_ref,
        )
        moved += reservation.quantity
    return moved
