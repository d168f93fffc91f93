"""The customer order lifecycle's shared parts: the transition table, limits, the timeline
(`order_event_add`), row locking and status moves."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from core.events import publish
from core.exceptions import (
    assert_transition,
)
from orders.models import (
    CustomerOrder,
    OrderEvent,
    OrderLine,
    OrderStatus,
)

S = OrderStatus
ORDER_TRANSITIONS: dict[str, set[str]] = {
    S.NEW: {S.CONFIRMED, S.CANCELLED},
    S.CONFIRMED: {S.PICKED, S.CANCELLED},
    S.PICKED: {S.PACKED, S.CANCELLED},
    S.PACKED: {S.PLANNED, S.CANCELLED},
    S.PLANNED: {S.OUT_FOR_DELIVERY, S.PACKED, S.CANCELLED},
    S.OUT_FOR_DELIVERY: {S.DELIVERED, S.FAILED},
    S.FAILED: {S.PACKED, S.CANCELLED},
    S.DELIVERED: set(),
    S.CANCELLED: set(),
}
# Statuses in which the delivery window / location may still change.
EDITABLE_STATUSES = {S.NEW, S.CONFIRMED, S.PICKED, S.PACKED, S.FAILED}
MAX_LINES = 200
MAX_PARCELS = 50
PARCEL_MAX_WEIGHT_KG = Decimal("30")
PARCEL_MAX_VOLUME_M3 = Decimal("0.25")
# Used when product master data has no weight/volume, so a parcel is never weightless.
FALLBACK_UNIT_WEIGHT_KG = Decimal("0.5")
FALLBACK_UNIT_VOLUME_M3 = Decimal("0.003")


def acting_user(user):
    return user if getattr(user, "is_authenticated", False) and hasattr(user, "groups") else None


def order_event_add(
    *,
    order: CustomerOrder,
    type: str,
    message: str = "",
    data: dict | None = None,
    user=None,
    ret=None,
    at: datetime | None = None,
    publish_event: bool = True,
) -> OrderEvent:
    """Append to the order's timeline and, unless told not to, publish `order.<type>`."""
    data = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    event = OrderEvent.objects.create(
        order=order,
        ret=ret,
        type=type,
        at=at or timezone.now(),
        message=message[:500],
        data=data,
        user=acting_user(user),
    )
    if publish_event:
        prefix = "return" if type.startswith("return_") else "order"
        name = type.removeprefix("return_") if prefix == "return" else type
        payload = {
            "order": order.reference,
            "external_ref": order.external_ref,
            "status": order.status,
            "at": event.at,
            "message": event.message,
            **(data or {}),
        }
        if ret is not None:
            payload.update({"return": ret.reference, "return_status": ret.status})
        publish(f"{prefix}.{name}", payload, partner=order.partner)
    return event


def order_lock(order: CustomerOrder) -> CustomerOrder:
    """Lock the order row (serialises every transition of one order) and return it fresh."""
    return (
        CustomerOrder.objects.select_for_update(of=("self",))
        .select_related("warehouse", "partner", "customer")
        .get(pk=order.pk)
    )


def order_sync(target: CustomerOrder, source: CustomerOrder) -> CustomerOrder:
    """Copy the fresh row into the caller's instance so both agree after a service call."""
    for field in CustomerOrder._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return source


def order_move(order: CustomerOrder, target: str, **fields) -> None:
    assert_transition(ORDER_TRANSITIONS, current=order.status, target=target, what="order")
    order.status = target
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=["status", "updated_at", *fields])


def order_lines(order: CustomerOrder) -> list[OrderLine]:
    """Lines in product order: every multi-line stock operation locks in the same order."""
    lines = list(order.lines.select_related("product").order_by("product_id", "pk"))
    for line in lines:
        line.order = order
    return lines
