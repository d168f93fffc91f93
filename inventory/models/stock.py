"""Stock and its ledger: lots, stock rows per (product, location, lot, condition), the
append-only ledger of moves, and reservations held against stock rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel
from inventory.models.catalog import Location, Product, sku_validator


class Lot(models.Model):
    """A batch of one product received together; `expires_at` drives FEFO."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    code = models.CharField(max_length=64, validators=[sku_validator])
    received_at = models.DateTimeField()
    expires_at = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product", "expires_at", "received_at"]
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="uniq_lot_code"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="lot_expires_idx")]

    def __str__(self) -> str:
        return self.code


class StockCondition(models.TextChoices):
    GOOD = "good", "Good"
    DAMAGED = "damaged", "Damaged"
    QUARANTINED = "quarantined", "Quarantined"
    EXPIRED = "expired", "Expired"


class Stock(models.Model):
    """Quantity of one product (lot, condition) at one location. Changed only by services.

    `received_at` is when the oldest unit still in this row arrived (FIFO and aging for stock
    without lots; lots carry their own `received_at`).
    """

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock")
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="stock"
    )
    condition = models.CharField(
        max_length=12, choices=StockCondition.choices, default=StockCondition.GOOD
    )
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    received_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "location", "lot", "condition"],
                name="uniq_stock_key",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="stock_reserved_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"
            ),
        ]
        indexes = [
            models.Index(fields=["product", "condition"], name="stock_product_condition_idx"),
        ]

    def __str__(self) -> str:
        lot = f" lot {self.lot.code}" if self.lot_id else ""
        return f"{self.product.sku} @ {self.location}{lot} [{self.condition}]: {self.on_hand}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMove(models.Model):
    """One immutable ledger row: `quantity` leaves `from_stock` and enters `to_stock`."""

    class Kind(models.TextChoices):
        RECEIVE = "receive", "Receipt"
        TRANSFER = "transfer", "Transfer"
        ADJUST = "adjust", "Adjustment"
        COUNT = "count", "Cycle count"
        CONDITION = "condition", "Condition change"
        RESERVE = "reserve", "Reservation"
        RELEASE = "release", "Release"
        PICK = "pick", "Pick"
        SHIP = "ship", "Shipment"
        RETURN = "return", "Return"
        SCRAP = "scrap", "Scrap"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="moves")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    from_stock = models.ForeignKey(
        Stock, on_delete=models.PROTECT, null=True, blank=True, related_name="moves_out"
    )
    to_stock = models.ForeignKey(
        Stock, on_delete=models.PROTECT, null=True, blank=True, related_name="moves_in"
    )
    from_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_condition = models.CharField(max_length=12, choices=StockCondition.choices, blank=True)
    to_condition = models.CharField(max_length=12, choices=StockCondition.choices, blank=True)
    quantity = models.IntegerField()
    unit_cost = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    reference = models.CharField(max_length=100, blank=True, db_index=True)
    reason = models.CharField(max_length=300, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0) | Q(kind="count", quantity=0),
                name="stockmove_quantity_positive",
            ),
            models.CheckConstraint(
                condition=Q(from_stock__isnull=False) | Q(to_stock__isnull=False),
                name="stockmove_has_a_side",
            ),
        ]
        indexes = [
            models.Index(fields=["product", "-created_at"], name="stockmove_product_time_idx"),
            models.Index(fields=["kind", "-created_at"], name="stockmove_kind_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} x {self.product_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Stock moves are immutable; record a correcting move instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Stock moves are immutable; record a correcting move instead.")

    @property
    def warehouse(self):
        """Where the move happened (its times are shown in that warehouse's zone)."""
        location = self.to_location or self.from_location
        return location.warehouse if location is not None else None


class Reservation(TimeStampedModel):
    """Stock held for a demand (an order line elsewhere), identified by `demand_ref`.

    States: reserved (held in place) → picked (moved to a dispatch location, still held) →
    shipped (left the warehouse); reserved/picked → released (given back).
    """

    class State(models.TextChoices):
        RESERVED = "reserved", "Reserved"
        PICKED = "picked", "Picked"
        SHIPPED = "shipped", "Shipped"
        RELEASED = "released", "Released"

    ACTIVE_STATES = (State.RESERVED, State.PICKED)
    TRANSITIONS = {
        State.RESERVED: {State.PICKED, State.RELEASED},
        State.PICKED: {State.SHIPPED, State.RELEASED},
        State.SHIPPED: set(),
        State.RELEASED: set(),
    }

    demand_ref = models.CharField(max_length=100, db_index=True)
    demand_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="reservations")
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.IntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.RESERVED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="reservation_quantity_positive"
            ),
        ]
        indexes = [
            models.Index(
                fields=["stock"],
                name="reservation_active_idx",
                condition=Q(state__in=["reserved", "picked"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.demand_ref}: {self.quantity} x {self.product_id} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES
