"""Per-depot promise settings and the holds taken on delivery options.

A `PromiseReservation` holds one delivery slot (a depot, a day, a window) and the stock of its
items from when a partner reserves an option until it expires or an order takes it. While
`held` and not past `expires_at` it counts against the slot's capacity and the items'
availability; once `used` the order itself counts (its window for capacity; its stock until the
order is confirmed and inventory reserves it). Invariants the database enforces: the window is
ordered, quantities are positive, a used hold names its order, an order takes one hold at most.
"""

from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel


class DepotPromiseSettings(TimeStampedModel):
    """A depot's promise rules; a depot without a row uses the PROMISING_* defaults."""

    warehouse = models.OneToOneField(
        "inventory.Warehouse", on_delete=models.CASCADE, related_name="promise_settings"
    )
    cutoff_time = models.TimeField(
        default=dt.time(14, 0),
        help_text="Local time: orders before it can be delivered the next day.",
    )
    service_radius_m = models.PositiveIntegerField(
        default=40000, validators=[MinValueValidator(100), MaxValueValidator(1_000_000)]
    )
    window_minutes = models.PositiveIntegerField(
        default=120, validators=[MinValueValidator(30), MaxValueValidator(12 * 60)]
    )

    class Meta:
        verbose_name_plural = "depot promise settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(window_minutes__gte=30, window_minutes__lte=720),
                name="promise_window_minutes_range",
            ),
            models.CheckConstraint(
                condition=Q(service_radius_m__gte=100), name="promise_service_radius_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_id}: cut-off {self.cutoff_time:%H:%M}"


class PromiseReservation(TimeStampedModel):
    class Status(models.TextChoices):
        HELD = "held", "Held"
        USED = "used", "Used by an order"
        EXPIRED = "expired", "Expired"

    reference = models.CharField(max_length=40, unique=True)
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="promise_reservations",
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="promise_reservations"
    )
    date = models.DateField()
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    cost = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    confidence = models.FloatField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.HELD)
    expires_at = models.DateTimeField()
    order = models.OneToOneField(
        "orders.CustomerOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="promise_reservation",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_start__lt=F("window_end")), name="promise_window_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(status="used") | Q(order__isnull=False),
                name="promise_used_has_order",
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0, confidence__lte=1), name="promise_confidence_0_1"
            ),
        ]
        indexes = [
            models.Index(fields=["warehouse", "date", "status"], name="promise_slot_idx"),
            models.Index(fields=["status", "expires_at"], name="promise_status_expiry_idx"),
        ]

    def __str__(self) -> str:
        return self.reference


class PromiseReservationLine(models.Model):
    reservation = models.ForeignKey(
        PromiseReservation, on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        "inventory.Product", on_delete=models.PROTECT, related_name="promise_lines"
    )
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="promise_line_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["reservation", "product"], name="uniq_promise_line_product"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"
