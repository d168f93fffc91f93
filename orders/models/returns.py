"""Returns (RMAs): a return of some lines of a delivered order, and the return window per
product. Lifecycle table in orders.services.return_policy, enforced by the services."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel, created_by_field
from orders.models.orders import CustomerOrder, OrderLine, coordinates_constraints
from partners.models import Partner


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    IN_TRANSIT = "in_transit", "In transit"
    # Brought back to the depot by a pickup route; received (booked by condition) once the
    # warehouse has inspected it.
    AT_DEPOT = "at_depot", "At the depot (to inspect)"
    RECEIVED = "received", "Received"
    REFUNDED = "refunded", "Refunded"
    CLOSED = "closed", "Closed"


class Return(TimeStampedModel):
    """A return merchandise authorisation (RMA) against a delivered order."""

    Status = ReturnStatus

    class Method(models.TextChoices):
        PICKUP = "pickup", "Pickup by us"
        DROPOFF = "dropoff", "Drop-off at the warehouse"

    class Channel(models.TextChoices):
        DISPATCHER = "dispatcher", "Dispatcher"
        CUSTOMER = "customer", "Customer (tracking page)"
        PARTNER = "partner", "Partner API"

    reference = models.CharField(max_length=32, unique=True)
    order = models.ForeignKey(CustomerOrder, on_delete=models.PROTECT, related_name="returns")
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="returns"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="returns"
    )
    status = models.CharField(
        max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED
    )
    channel = models.CharField(max_length=12, choices=Channel.choices)
    method = models.CharField(max_length=8, choices=Method.choices, default=Method.PICKUP)
    pickup_address = models.TextField(blank=True)
    pickup_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    pickup_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    pickup_window_start = models.DateTimeField(null=True, blank=True)
    pickup_window_end = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=300, blank=True)
    refund_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    note = models.TextField(blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    created_by = created_by_field()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refund_amount__isnull=True) | Q(refund_amount__gte=0),
                name="return_refund_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="return_rejection_has_reason",
            ),
            *coordinates_constraints("return_pickup", "pickup_latitude", "pickup_longitude"),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="return_status_idx")]

    def __str__(self) -> str:
        return self.reference


class ReturnLine(models.Model):
    class Reason(models.TextChoices):
        DAMAGED = "damaged", "Arrived damaged"
        DEFECTIVE = "defective", "Defective"
        WRONG_ITEM = "wrong_item", "Wrong item"
        NOT_AS_DESCRIBED = "not_as_described", "Not as described"
        NO_LONGER_NEEDED = "no_longer_needed", "No longer needed"
        OTHER = "other", "Other"

    class Condition(models.TextChoices):
        """Found on receipt: good is restocked, damaged quarantined, unusable scrapped."""

        GOOD = "good", "Good (restock)"
        DAMAGED = "damaged", "Damaged (quarantine)"
        UNUSABLE = "unusable", "Unusable (scrap)"

    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    condition = models.CharField(max_length=10, choices=Condition.choices, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="returnline_quantity_positive"
            ),
            models.UniqueConstraint(fields=["ret", "order_line"], name="uniq_returnline_per_line"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x line {self.order_line_id}"


class ProductReturnPolicy(models.Model):
    """Per-product return window; products without one use settings.RETURN_WINDOW_DAYS.

    Whether a product is returnable at all is `Product.is_returnable` (inventory).
    """

    product = models.OneToOneField(
        "inventory.Product", on_delete=models.CASCADE, related_name="return_policy"
    )
    window_days = models.PositiveIntegerField(validators=[MaxValueValidator(3650)])

    class Meta:
        verbose_name_plural = "product return policies"

    def __str__(self) -> str:
        return f"{self.product_id}: {self.window_days} days"


__all__ = ["ProductReturnPolicy", "Return", "ReturnLine", "ReturnStatus"]
