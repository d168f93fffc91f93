"""Carriers: third-party delivery companies an order can be handed to instead of the own fleet.

A `Carrier` prices an order from its rate card (distance zones from the depot x weight bands);
its `kind` names the adapter that books, labels, tracks and cancels (carriers.adapters). A
`Shipment` is one order handed to one carrier; at most one shipment per order is active (not
cancelled). `ShipmentEvent` rows are the carrier's tracking events, each recorded once.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel, created_by_field


def _money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=10, decimal_places=2, **kwargs)


class Carrier(TimeStampedModel):
    class Kind(models.TextChoices):
        RATE_CARD = "rate_card", "Rate card (book by hand, no tracking feed)"
        SANDBOX = "sandbox", "Sandbox (books at once, sends simulated tracking events)"

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.RATE_CARD)
    currency = models.CharField(max_length=3, default="EUR")
    # Rate card: zone i covers distances (km, straight line from the depot) up to
    # zone_limits_km[i], weight band j covers weights up to weight_limits_kg[j];
    # prices[i][j] is the price of a shipment in that zone and band.
    zone_limits_km = ArrayField(models.PositiveIntegerField(), default=list)
    weight_limits_kg = ArrayField(models.DecimalField(max_digits=7, decimal_places=2), default=list)
    prices = ArrayField(
        ArrayField(models.DecimalField(max_digits=10, decimal_places=2)), default=list
    )
    transit_days = models.PositiveSmallIntegerField(default=1)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def rate_rows(self) -> list[dict]:
        """The rate card as rows: {"km": zone limit, "prices": [price per weight band]}."""
        return [
            {"km": km, "prices": row}
            for km, row in zip(self.zone_limits_km, self.prices, strict=True)
        ]


class ShipmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    PICKED_UP = "picked_up", "Picked up by the carrier"
    IN_TRANSIT = "in_transit", "In transit"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    DELIVERED = "delivered", "Delivered"
    EXCEPTION = "exception", "Delivery exception"
    CANCELLED = "cancelled", "Cancelled"


class Shipment(TimeStampedModel):
    Status = ShipmentStatus

    order = models.ForeignKey(
        "orders.CustomerOrder", on_delete=models.PROTECT, related_name="shipments"
    )
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="shipments")
    status = models.CharField(
        max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.BOOKED
    )
    tracking_number = models.CharField(max_length=40, unique=True)
    price = _money(validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(max_length=3)
    # What serving the order with the own fleet would have cost when it was handed off.
    own_cost = _money(null=True, blank=True)
    own_cost_basis = models.CharField(max_length=300, blank=True)
    distance_km = models.DecimalField(max_digits=8, decimal_places=1)
    weight_kg = models.DecimalField(max_digits=9, decimal_places=3)
    created_by = created_by_field()
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=~Q(status="cancelled"),
                name="uniq_active_shipment_per_order",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="shipment_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"

    @property
    def is_active(self) -> bool:
        return self.status != ShipmentStatus.CANCELLED


class ShipmentEvent(models.Model):
    """One tracking event from the carrier; `external_id` makes a replayed event harmless."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=ShipmentStatus.choices)
    at = models.DateTimeField()
    description = models.CharField(max_length=300, blank=True)
    external_id = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "external_id"], name="uniq_shipment_event_external_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.status} @ {self.at:%Y-%m-%d %H:%M}"
