"""Customers, customer orders, their lines and parcels, pick waves, delivery attempts and the
order timeline (returns are in returns.py).

Invariants the database enforces: line quantities are positive and picked ≤ reserved ≤ ordered;
an order's coordinates are either both set (in range, not 0,0) or both empty; its first time
window is ordered (start < end); a partner's external reference is unique for that partner;
tracking tokens and document references are unique. Lifecycles (tables in orders.services) are
enforced by the services.
"""

from __future__ import annotations

import zoneinfo
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel, created_by_field
from partners.models import Partner


def coordinates_constraints(prefix: str, lat: str, lon: str) -> list[models.CheckConstraint]:
    both_or_none = (Q(**{f"{lat}__isnull": True}) & Q(**{f"{lon}__isnull": True})) | (
        Q(**{f"{lat}__isnull": False}) & Q(**{f"{lon}__isnull": False})
    )
    in_range = Q(**{f"{lat}__isnull": True}) | (
        Q(**{f"{lat}__gte": -90, f"{lat}__lte": 90, f"{lon}__gte": -180, f"{lon}__lte": 180})
        & ~Q(**{lat: 0, lon: 0})
    )
    return [
        models.CheckConstraint(condition=both_or_none, name=f"{prefix}_coordinates_both_or_none"),
        models.CheckConstraint(condition=in_range, name=f"{prefix}_coordinates_valid"),
    ]


class Customer(TimeStampedModel):
    """The person or business receiving deliveries. `partner` is set for API-created customers."""

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="customers"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True, help_text="Default delivery address.")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = coordinates_constraints("customer", "latitude", "longitude")
        indexes = [models.Index(fields=["partner", "email"], name="customer_partner_email_idx")]

    def __str__(self) -> str:
        return self.name


class OrderStatus(models.TextChoices):
    NEW = "new", "New"
    CONFIRMED = "confirmed", "Confirmed"
    PICKED = "picked", "Picked"
    PACKED = "packed", "Packed"
    PLANNED = "planned", "Planned"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Priority(models.IntegerChoices):
    LOW = 0, "Low"
    NORMAL = 1, "Normal"
    HIGH = 2, "High"
    URGENT = 3, "Urgent"


class VehicleSkill(models.TextChoices):
    """Skills an order may require from the vehicle/driver (routing matches them)."""

    REFRIGERATED = "refrigerated", "Refrigerated"
    FROZEN = "frozen", "Frozen"
    TWO_PERSON = "two_person", "Two-person crew"
    TAIL_LIFT = "tail_lift", "Tail lift"
    HAZMAT = "hazmat", "Dangerous goods"
    ID_CHECK = "id_check", "Age/ID check"


class PickWave(TimeStampedModel):
    """A batch of confirmed orders of one warehouse picked together (one printable pick list)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PICKING = "picking", "Picking"
        DONE = "done", "Done"

    reference = models.CharField(max_length=32, unique=True)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="pick_waves"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = created_by_field()
    completed_at = models.DateTimeField(null=True, blank=True)
    # Recording the wave as picked runs in the background: how far it got, and why it stopped.
    orders_to_pick = models.PositiveIntegerField(default=0)
    orders_picked = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference


class CustomerOrder(TimeStampedModel):
    """A delivery order. Time windows are stored in UTC; forms show them in the warehouse's zone.

    `latitude`/`longitude` empty means the order *needs a location* (geocoding failed or is not
    configured): it can be confirmed, picked and packed, but not planned on a route.
    """

    Status = OrderStatus

    reference = models.CharField(max_length=32, unique=True)
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="customer_orders"
    )
    external_ref = models.CharField(
        max_length=100, blank=True, help_text="The partner's own reference, unique per partner."
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="customer_orders"
    )
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.NEW)
    is_partial = models.BooleanField(
        default=False, help_text="Confirmed with less than ordered, on request."
    )

    address = models.TextField()
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    location_note = models.CharField(
        max_length=300, blank=True, help_text="Why the order needs a location, when it does."
    )
    contact_name = models.CharField(max_length=200, blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    contact_email = models.EmailField(blank=True)

    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    window2_start = models.DateTimeField(null=True, blank=True)
    window2_end = models.DateTimeField(null=True, blank=True)
    service_time_s = models.PositiveIntegerField(
        default=300, validators=[MaxValueValidator(4 * 3600)]
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    required_skills = ArrayField(
        models.CharField(max_length=20, choices=VehicleSkill.choices), default=list, blank=True
    )
    instructions = models.TextField(blank=True)
    # The delivery promise the customer was given at checkout (a delivery option taken at
    # creation): kept as made, in UTC; the planner plans the stop inside this window.
    delivery_option = models.CharField(max_length=40, blank=True)
    promised_date = models.DateField(null=True, blank=True)
    promised_window_start = models.DateTimeField(null=True, blank=True)
    promised_window_end = models.DateTimeField(null=True, blank=True)

    tracking_token = models.CharField(max_length=64, unique=True)
    pick_wave = models.ForeignKey(
        PickWave, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    currency = models.CharField(max_length=3, default="EUR")
    requires_pin = models.BooleanField(
        default=False, help_text="The driver needs the customer's delivery PIN to hand it over."
    )
    cod_amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="Cash on delivery."
    )
    cod_currency = models.CharField(max_length=3, blank=True)
    created_by = created_by_field()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "external_ref"],
                condition=~Q(external_ref=""),
                name="uniq_order_partner_external_ref",
            ),
            models.CheckConstraint(
                condition=Q(window_start__lt=F("window_end")), name="order_window_ordered"
            ),
            models.CheckConstraint(
                condition=(Q(window2_start__isnull=True) & Q(window2_end__isnull=True))
                | Q(window2_start__lt=F("window2_end")),
                name="order_window2_ordered",
            ),
            models.CheckConstraint(
                condition=(
                    Q(promised_date__isnull=True)
                    & Q(promised_window_start__isnull=True)
                    & Q(promised_window_end__isnull=True)
                )
                | (
                    Q(promised_date__isnull=False)
                    & Q(promised_window_start__lt=F("promised_window_end"))
                ),
                name="order_promise_complete",
            ),
            *coordinates_constraints("order", "latitude", "longitude"),
            models.CheckConstraint(
                condition=Q(cod_amount__isnull=True, cod_currency="")
                | (Q(cod_amount__gt=0) & ~Q(cod_currency="")),
                name="order_cod_amount_with_currency",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "window_start"], name="order_status_window_idx"),
            models.Index(fields=["warehouse", "window_start"], name="order_warehouse_window_idx"),
            models.Index(fields=["partner", "-created_at"], name="order_partner_created_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def needs_location(self) -> bool:
        return self.latitude is None or self.longitude is None

    @property
    def windows(self) -> list[tuple]:
        """Delivery windows as (start, end) UTC datetimes, earliest first."""
        out = [(self.window_start, self.window_end)]
        if self.window2_start and self.window2_end:
            out.append((self.window2_start, self.window2_end))
        return sorted(out)

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return self.warehouse.tzinfo

    @property
    def promised_window(self) -> tuple | None:
        """The promised (start, end) in UTC, or None when no promise was made."""
        if self.promised_window_start and self.promised_window_end:
            return (self.promised_window_start, self.promised_window_end)
        return None

    @property
    def is_open(self) -> bool:
        return self.status not in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)


class OrderLine(models.Model):
    order = models.ForeignKey(CustomerOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "inventory.Product", on_delete=models.PROTECT, related_name="order_lines"
    )
    quantity = models.PositiveIntegerField()
    quantity_reserved = models.PositiveIntegerField(default=0)
    quantity_picked = models.PositiveIntegerField(default=0)
    quantity_delivered = models.PositiveIntegerField(default=0)
    unit_price = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_reserved__lte=F("quantity")),
                name="orderline_reserved_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(quantity_picked__lte=F("quantity_reserved")),
                name="orderline_picked_within_reserved",
            ),
            models.CheckConstraint(
                condition=Q(quantity_delivered__lte=F("quantity_picked")),
                name="orderline_delivered_within_picked",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="orderline_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"

    @property
    def demand_ref(self) -> str:
        """The key inventory reservations are held under for this line."""
        return f"{self.order.reference}#{self.pk}"


class Parcel(models.Model):
    order = models.ForeignKey(CustomerOrder, on_delete=models.CASCADE, related_name="parcels")
    label_code = models.CharField(max_length=48, unique=True)
    weight_kg = models.DecimalField(max_digits=9, decimal_places=3)
    volume_m3 = models.DecimalField(max_digits=9, decimal_places=6)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight_kg__gt=0), name="parcel_weight_positive"),
            models.CheckConstraint(condition=Q(volume_m3__gt=0), name="parcel_volume_positive"),
        ]

    def __str__(self) -> str:
        return self.label_code


__all__ = [
    "Customer",
    "CustomerOrder",
    "OrderLine",
    "OrderStatus",
    "Parcel",
    "PickWave",
    "Priority",
    "VehicleSkill",
]
