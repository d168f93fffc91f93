"""Shipments: an order handed to a carrier, its tracking events, its cancellation.

The order's own lifecycle stays with the orders app: handing off asks
`orders.services.order_hand_to_carrier` (packed → planned with the carrier); the carrier's
events move the order on through the same services a route uses (picked up →
out_for_delivery, delivered → delivered, exception → failed, which a dispatcher reschedules as
any failed delivery), and each event is noted on the order's timeline. Cancelling a booking
the carrier has not collected yet puts the order back to packed for the own fleet.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from carriers.adapters import Consignment, NotServed, TrackingUpdate, adapter_for
from carriers.models import Carrier, Shipment, ShipmentEvent, ShipmentStatus
from core.exceptions import Conflict, ValidationFailed
from core.geo import haversine_m, point_of
from orders import services as orders
from orders.models import CustomerOrder, FailureReason, OrderStatus
from routing.services import order_demand, order_release_from_drafts

S = ShipmentStatus
# Where each carrier status may come from (tracking feeds can skip steps, never go back).
_RANK = {S.BOOKED: 0, S.PICKED_UP: 1, S.IN_TRANSIT: 2, S.OUT_FOR_DELIVERY: 3}
FINAL = {S.DELIVERED, S.EXCEPTION, S.CANCELLED}


def order_consignment(order: CustomerOrder) -> Consignment:
    """What a carrier would move for `order`: straight-line km from its depot, weight of its
    parcels (or products), parcel count."""
    if order.needs_location:
        raise ValidationFailed(
            f"{order.reference} has no coordinates; set its location first.", field="order"
        )
    warehouse = order.warehouse
    km = Decimal(haversine_m(point_of(warehouse), point_of(order)) / 1000).quantize(
        Decimal("0.1"), ROUND_HALF_UP
    )
    demand = order_demand(order)
    return Consignment(
        reference=order.reference,
        distance_km=km,
        weight_kg=Decimal(demand.weight_kg).quantize(Decimal("0.001")),
        parcels=max(len(order.parcels.all()), 1),
        origin=f"{warehouse.name}, {getattr(warehouse, 'address', '')}".strip(", "),
        destination=order.address,
        recipient=order.contact_name or order.customer.name,
        cash_to_collect=order.cod_amount,
        requires_pin=order.requires_pin,
    )


def order_hand_off(
    *,
    order: CustomerOrder,
    carrier: Carrier,
    user=None,
    own_cost: Decimal | None = None,
    own_cost_basis: str = "",
) -> Shipment:
    """Book `order` with `carrier` at its rate-card price: the order leaves own-fleet planning
    (taken out of draft plans) and is planned with the carrier. 409 when the order is not
    packed, is on a published route or already has an active shipment; 422 when the carrier
    does not serve it (distance, weight)."""
    with transaction.atomic():
        locked = CustomerOrder.objects.select_for_update().get(pk=order.pk)
        if Shipment.objects.filter(order=locked).exclude(status=S.CANCELLED).exists():
            raise Conflict(
                f"{locked.reference} is already with a carrier.",
                field="order",
                code="already_handed_off",
            )
        if locked.status != OrderStatus.PACKED:
            raise Conflict(
                f"{locked.reference} is {locked.get_status_display().lower()}; only packed "
                "orders on no published route can be handed to a carrier.",
                field="order",
                code="not_packed",
                extra={"current_state": locked.status},
            )
        consignment = order_consignment(order)
        adapter = adapter_for(carrier)
        try:
            quote = adapter.quote(consignment)
        except NotServed as exc:
            raise ValidationFailed(str(exc), field="carrier", code="not_served") from None
        order_release_from_drafts(order=locked, user=user)
        shipment = Shipment(
            order=locked,
            carrier=carrier,
            price=quote.price,
            currency=quote.currency,
            own_cost=own_cost,
            own_cost_basis=own_cost_basis[:300],
            distance_km=consignment.distance_km,
            weight_kg=consignment.weight_kg,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        shipment.tracking_number = adapter.book(shipment)
        try:
            with transaction.atomic():
                shipment.save()
        except IntegrityError:
            raise Conflict(
                f"{locked.reference} is already with a carrier.", field="order"
            ) from None
        orders.order_hand_to_carrier(
            order=locked,
            carrier=carrier.name,
            tracking_number=shipment.tracking_number,
            user=user,
        )
    order.refresh_from_db()
    return shipment


def shipment_cancel(*, shipment: Shipment, user=None, reason: str = "") -> Shipment:
    """Withdraw a booking the carrier has not collected (409 after): the order goes back to
    packed, for the own fleet."""
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update()
            .select_related("carrier", "order")
            .get(pk=shipment.pk)
        )
        if shipment.status == S.CANCELLED:
            return shipment
        adapter_for(shipment.carrier).cancel(shipment)
        shipment.status = S.CANCELLED
        shipment.cancelled_at = timezone.now()
        shipment.save(update_fields=["status", "cancelled_at", "updated_at"])
        orders.order_unplan(
            order=shipment.order,
            user=user,
            reason=(reason or "Booking cancelled")
            + f" ({shipment.carrier.name}, {shipment.tracking_number}); back with the own fleet.",
        )
    return shipment


def shipment_event_record(*, shipment: Shipment, update: TrackingUpdate) -> bool:
    """Record one tracking event once (a replayed event changes nothing; returns whether it was
    new) and move the shipment and its order on. Events older than the shipment's state (a
    feed delivering out of order) are kept on the record but do not move anything back."""
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update()
            .select_related("carrier", "order")
            .get(pk=shipment.pk)
        )
        if shipment.status == S.CANCELLED:
            return False
        try:
            with transaction.atomic():
                ShipmentEvent.objects.create(
                    shipment=shipment,
                    status=update.status,
                    at=update.at,
                    description=update.description[:300],
                    external_id=update.external_id[:100],
                )
        except IntegrityError:
            return False
        order = shipment.order
        orders.order_carrier_update(
            order=order,
            carrier=shipment.carrier.name,
            tracking_number=shipment.tracking_number,
            status=update.status,
            message=update.description or S(update.status).label,
            at=update.at,
        )
        if shipment.status in FINAL or _RANK.get(update.status, 9) <= _RANK.get(shipment.status, 0):
            return True
        shipment.status = update.status
        shipment.save(update_fields=["status", "updated_at"])
        route_ref = f"{shipment.carrier.name} {shipment.tracking_number}"
        # Any event past booking means the carrier has the goods (a feed may skip steps).
        if order.status == OrderStatus.PLANNED:
            orders.order_out_for_delivery(order=order, route_ref=route_ref, at=update.at)
        if update.status == S.DELIVERED:
            orders.order_deliver(order=order, at=update.at, note=route_ref)
        elif update.status == S.EXCEPTION:
            orders.order_fail(
                order=order, reason=FailureReason.OTHER, at=update.at, note=update.description
            )
    return True


def shipments_poll(*, now: dt.datetime | None = None) -> int:
    """Ask each carrier for the tracking events of its open shipments and record the new ones;
    returns how many were new."""
    now = now or timezone.now()
    new = 0
    open_shipments = (
        Shipment.objects.exclude(status__in=FINAL).select_related("carrier").order_by("pk")
    )
    for shipment in open_shipments:
        recorded = set(shipment.events.values_list("external_id", flat=True))
        for update in adapter_for(shipment.carrier).track(shipment, now=now):
            if update.external_id not in recorded:
                new += shipment_event_record(shipment=shipment, update=update)
    return new
