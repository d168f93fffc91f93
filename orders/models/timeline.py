"""Delivery attempts and the order timeline (`OrderEvent`), with the reasons a delivery fails."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from orders.models.orders import CustomerOrder


class FailureReason(models.TextChoices):
    CUSTOMER_ABSENT = "customer_absent", "Customer absent"
    ADDRESS_NOT_FOUND = "address_not_found", "Address not found"
    REFUSED = "refused", "Refused by customer"
    DAMAGED = "damaged", "Damaged"
    NO_ACCESS = "no_access", "No access to the building"
    OUT_OF_TIME = "out_of_time", "Ran out of time"
    OTHER = "other", "Other"


class DeliveryAttempt(models.Model):
    class Outcome(models.TextChoices):
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(CustomerOrder, on_delete=models.CASCADE, related_name="attempts")
    attempted_at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    failure_reason = models.CharField(max_length=20, choices=FailureReason.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["attempted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="delivered", failure_reason="")
                | (Q(outcome="failed") & ~Q(failure_reason="")),
                name="attempt_failure_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.outcome} @ {self.attempted_at:%Y-%m-%d %H:%M}"


class OrderEvent(models.Model):
    """One entry of an order's timeline (and of its return's timeline when `ret` is set)."""

    class Type(models.TextChoices):
        CREATED = "created", "Created"
        LOCATION_SET = "location_set", "Location set"
        LOCATION_NEEDED = "location_needed", "Needs a location"
        CONFIRMED = "confirmed", "Confirmed"
        WAVED = "waved", "Added to a pick wave"
        PICKED = "picked", "Picked"
        PACKED = "packed", "Packed"
        PLANNED = "planned", "Planned on a route"
        UNPLANNED = "unplanned", "Removed from a route"
        OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
        ARRIVING = "arriving", "Arriving"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Delivery failed"
        RESCHEDULED = "rescheduled", "Rescheduled"
        CANCELLED = "cancelled", "Cancelled"
        RETURN_REQUESTED = "return_requested", "Return requested"
        RETURN_APPROVED = "return_approved", "Return approved"
        RETURN_REJECTED = "return_rejected", "Return rejected"
        RETURN_IN_TRANSIT = "return_in_transit", "Return in transit"
        RETURN_RECEIVED = "return_received", "Return received"
        RETURN_REFUNDED = "return_refunded", "Return refunded"
        RETURN_CLOSED = "return_closed", "Return closed"
        PIN_FAILED = "pin_failed", "Delivery PIN failed"
        PIN_LOCKED = "pin_locked", "Delivery PIN locked"
        PIN_OVERRIDDEN = "pin_overridden", "Delivery PIN overridden"
        COD_COLLECTED = "cod_collected", "Cash on delivery collected"
        NOTE = "note", "Note"

    order = models.ForeignKey(CustomerOrder, on_delete=models.CASCADE, related_name="events")
    ret = models.ForeignKey(
        "orders.Return", on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    type = models.CharField(max_length=24, choices=Type.choices)
    at = models.DateTimeField(db_index=True)
    message = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"], name="orderevent_order_at_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.type} @ {self.at:%Y-%m-%d %H:%M}"


__all__ = ["DeliveryAttempt", "FailureReason", "OrderEvent"]
