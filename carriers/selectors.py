"""Carrier reads: carriers, an order's shipment, a day's open shipments."""

from __future__ import annotations

from carriers.models import Carrier, Shipment, ShipmentStatus


def carriers_list():
    return Carrier.objects.order_by("name")


def order_shipment(*, order) -> Shipment | None:
    """The order's active shipment (or its last cancelled one when none is active)."""
    shipments = list(
        Shipment.objects.filter(order=order).select_related("carrier").order_by("-created_at")
    )
    active = [s for s in shipments if s.status != ShipmentStatus.CANCELLED]
    return active[0] if active else (shipments[0] if shipments else None)


def order_handoff_section(*, order, user) -> list:
    """The order page's carrier card: the shipment when there is one; for a dispatcher, a
    link to compare carriers with the own fleet when the order could still be handed off."""
    from core.navigation import PageSection
    from core.permissions import user_can

    shipment = order_shipment(order=order)
    may_compare = (
        order.status == "packed"
        and not order.needs_location
        and user_can(user, "carriers:order-compare", order.reference)
    )
    if shipment is None and not may_compare:
        return []
    return [
        PageSection(
            "Carrier",
            "carriers/_order_section.html",
            {
                "shipment": shipment,
                "may_compare": may_compare,
                "order": order,
                # The carrier's events move the order now: the order page offers no moves.
                "held_by": shipment.carrier.name if shipment and shipment.is_active else "",
            },
        )
    ]


def public_shipment(*, order) -> dict | None:
    """What the customer page shows of a carrier: name, tracking number, status and its
    tracking events (one query when the order never went to a carrier)."""
    shipment = order_shipment(order=order)
    if shipment is None or shipment.status == ShipmentStatus.CANCELLED:
        return None
    return {
        "carrier": shipment.carrier.name,
        "tracking_number": shipment.tracking_number,
        "status": shipment.get_status_display(),
        "events": [
            {"label": e.get_status_display(), "description": e.description, "at": e.at}
            for e in shipment.events.order_by("at", "id")
        ],
    }
