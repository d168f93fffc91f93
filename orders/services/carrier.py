"""A customer order handed to a third-party carrier instead of the own fleet.

Handed off, the order is `planned` (with the carrier rather than on a route: routing no longer
offers it) and its timeline says with whom and under which tracking number (a `planned` entry
whose data names the carrier, so partners get `order.planned` with `carrier` and
`tracking_number`); the carrier's tracking events then move it on like a route would
(carriers.services calls order_out_for_delivery / order_deliver / order_fail), each also noted
on the timeline (a `note` entry with `carrier_status`, published as `order.note`).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from core.exceptions import Conflict
from orders.models import CustomerOrder, OrderEvent
from orders.services.common import S, order_event_add, order_lock, order_move, order_sync


@transaction.atomic
def order_hand_to_carrier(
    *, order: CustomerOrder, carrier: str, tracking_number: str, user=None
) -> CustomerOrder:
    """packed → planned with a carrier. Only a packed order can go (the carrier collects
    parcels); 409 otherwise. Publishes `order.planned` naming the carrier."""
    locked = order_lock(order)
    if locked.status != S.PACKED:
        raise Conflict(
            f"{locked.reference} is {locked.get_status_display().lower()}; only a packed order "
            "that is on no route can be handed to a carrier.",
            field="order",
            code="not_packed",
            extra={"current_state": locked.status},
        )
    order_move(locked, S.PLANNED)
    order_event_add(
        order=locked,
        type=OrderEvent.Type.PLANNED,
        message=f"Handed to {carrier}, tracking number {tracking_number}.",
        data={"carrier": carrier, "tracking_number": tracking_number},
        user=user,
    )
    return order_sync(order, locked)


def order_carrier_update(
    *,
    order: CustomerOrder,
    carrier: str,
    tracking_number: str,
    status: str,
    message: str,
    at: datetime,
) -> OrderEvent:
    """A carrier's tracking event on the order's timeline; publishes `order.note` with
    `carrier`, `tracking_number` and `carrier_status`."""
    return order_event_add(
        order=order,
        type=OrderEvent.Type.NOTE,
        message=f"{carrier}: {message}",
        data={"carrier": carrier, "tracking_number": tracking_number, "carrier_status": status},
        at=at,
    )
