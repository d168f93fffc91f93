"""Handing an order over at the door: the delivery PIN (only its slow salted hash), every PIN
entry (audit), and the cash or card payment a driver collected for a cash-on-delivery order.

Invariants the database enforces: one PIN record and one collection per order; failed attempts
are never negative; a collected amount is not negative and has a currency.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from orders.models.orders import CustomerOrder


class DeliveryPin(models.Model):
    """The PIN the customer gives the driver. `pin_hash` is a Django password hash (salted,
    slow); the PIN itself is only ever in the message to the customer."""

    class State(models.TextChoices):
        PENDING = "pending", "Not sent yet"
        SENT = "sent", "Sent to the customer"
        VERIFIED = "verified", "Checked"
        FAILED = "failed", "PIN failed"
        LOCKED = "locked", "Locked"
        OVERRIDDEN = "overridden", "Overridden by dispatch"

    order = models.OneToOneField(
        CustomerOrder, on_delete=models.CASCADE, related_name="delivery_pin"
    )
    pin_hash = models.CharField(max_length=256, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.CharField(max_length=300, blank=True, help_text="Where it went (masked).")
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    overridden_at = models.DateTimeField(null=True, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    override_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="overridden") | ~Q(override_reason=""),
                name="deliverypin_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"PIN of {self.order_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        """Still asks the driver for a PIN (or dispatch's override) before delivery."""
        return self.state in (self.State.PENDING, self.State.SENT, self.State.FAILED)


class PinAttempt(models.Model):
    """One PIN a driver entered: who, when (on the phone), when the server checked it, and the
    outcome. The PIN entered is not kept."""

    order = models.ForeignKey(CustomerOrder, on_delete=models.CASCADE, related_name="pin_attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField()
    checked_at = models.DateTimeField()
    is_correct = models.BooleanField()
    entered_offline = models.BooleanField(default=False)

    class Meta:
        ordering = ["checked_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {'ok' if self.is_correct else 'wrong'} @ {self.checked_at}"


class CodMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Card"


class CodCollection(models.Model):
    """What the driver collected for a cash-on-delivery order at the door."""

    Method = CodMethod

    order = models.OneToOneField(
        CustomerOrder, on_delete=models.PROTECT, related_name="cod_collection"
    )
    method = models.CharField(max_length=4, choices=CodMethod.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    collected_at = models.DateTimeField()
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="cod_amount_not_negative"),
            models.CheckConstraint(condition=~Q(currency=""), name="cod_has_currency"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.method}) for {self.order_id}"


__all__ = ["CodCollection", "CodMethod", "DeliveryPin", "PinAttempt"]
