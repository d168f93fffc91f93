"""Inventory: warehouses (also routing depots), locations, products, lots, stock and its ledger.

Invariants the database enforces (CHECK / UNIQUE), services rely on them too:

* `Stock`: one row per (product, location, lot, condition) — lot NULL counts as one value —
  with `on_hand >= 0` and `0 <= reserved <= on_hand`.
* `StockMove` is append-only: a trigger (migration 0002) refuses UPDATE and DELETE. Its
  quantity leaves `from_stock` and enters `to_stock`, so for every stock row
  Σ(moves into it) - Σ(moves out of it) == on_hand (`manage.py inventory_check` verifies).
  Moves that do not change on_hand (reserve, release) name the same row on both sides.
* `Reservation` rows in state reserved/picked add up to `Stock.reserved` of the row they point at.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel

CODE_RE = r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$"
code_validator = RegexValidator(
    CODE_RE, "Use capital letters and digits in parts separated by '-', e.g. A-01-03."
)
sku_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._/-]*$", "Letters, digits and . _ / - only, no spaces."
)
barcode_validator = RegexValidator(r"^\d{8,14}$", "A barcode is 8 to 14 digits (EAN/UPC/GTIN).")


def validate_timezone(value: str) -> None:
    if not value or value not in _available_timezones():
        raise ValidationError(f"'{value}' is not an IANA time zone such as Europe/Berlin.")


_TZ_CACHE: set[str] = set()


def _available_timezones() -> set[str]:
    if not _TZ_CACHE:
        _TZ_CACHE.update(zoneinfo.available_timezones())
    return _TZ_CACHE


class Warehouse(TimeStampedModel):
    """A stock-holding site; routing uses it as a depot (coordinates, time zone, opening hours)."""

    code = models.CharField(
        max_length=10,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9]{2,10}$", "2 to 10 capital letters or digits.")],
    )
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country_code = models.CharField(
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "ISO 3166 alpha-2, e.g. DE.")],
    )
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    timezone = models.CharField(
        max_length=64, default="Europe/Berlin", validators=[validate_timezone]
    )
    opening_time = models.TimeField(default=time(7, 0))
    closing_time = models.TimeField(default=time(19, 0))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90),
                name="warehouse_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180),
                name="warehouse_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(opening_time__lt=F("closing_time")),
                name="warehouse_opens_before_closing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def clean(self):
        if self.opening_time and self.closing_time and self.opening_time >= self.closing_time:
            raise ValidationError({"closing_time": "The warehouse must close after it opens."})

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Location(TimeStampedModel):
    """A place in a warehouse. The code is hierarchical (zone-aisle-shelf, e.g. `A-01-03`)."""

    class Kind(models.TextChoices):
        RECEIVING = "receiving", "Receiving"
        STORAGE = "storage", "Storage"
        PICKING = "picking", "Picking"
        DISPATCH = "dispatch", "Dispatch"
        QUARANTINE = "quarantine", "Quarantine"
        RETURNS = "returns", "Returns"

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="locations")
    code = models.CharField(max_length=40, validators=[code_validator])
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.STORAGE)
    name = models.CharField(max_length=100, blank=True)
    capacity_m3 = models.DecimalField(
        max_digits=10, decimal_places=3, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    capacity_kg = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["warehouse__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="uniq_location_code"),
            models.CheckConstraint(
                condition=Q(capacity_m3__isnull=True) | Q(capacity_m3__gte=0),
                name="location_capacity_m3_positive",
            ),
            models.CheckConstraint(
                condition=Q(capacity_kg__isnull=True) | Q(capacity_kg__gte=0),
                name="location_capacity_kg_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse.code}/{self.code}"

    @property
    def path(self) -> list[str]:
        """Ancestors of this location by code: `A-01-03` → [`A`, `A-01`, `A-01-03`]."""
        parts = self.code.split("-")
        return ["-".join(parts[: i + 1]) for i in range(len(parts))]

    @property
    def is_sellable(self) -> bool:
        return self.kind != self.Kind.QUARANTINE


class Product(TimeStampedModel):
    """A stock-keeping unit. Never deleted once it has history: it is deactivated instead.

    `unit_cost` is the moving-average cost (updated by receipts that give a unit cost); the
    valuation report multiplies on-hand quantities by it. `preferred_supplier_code` is a plain
    code so inventory needs no import of the orders app (purchasing resolves it).
    """

    class Unit(models.TextChoices):
        EACH = "ea", "each"
        BOX = "box", "box"
        PACK = "pack", "pack"
        CASE = "case", "case"
        BOTTLE = "bottle", "bottle"
        BAG = "bag", "bag"
        ROLL = "roll", "roll"
        PALLET = "pallet", "pallet"

    sku = models.CharField(max_length=64, unique=True, validators=[sku_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.EACH)
    weight_kg = models.DecimalField(
        max_digits=10, decimal_places=3, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    volume_m3 = models.DecimalField(
        max_digits=10, decimal_places=6, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    barcode = models.CharField(max_length=14, blank=True, validators=[barcode_validator])
    shelf_life_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty for products that do not expire."
    )
    is_returnable = models.BooleanField(default=True)
    reorder_point = models.PositiveIntegerField(default=0)
    reorder_qty = models.PositiveIntegerField(default=0)
    unit_cost = models.DecimalField(
        max_digits=12, decimal_places=4, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="EUR")
    preferred_supplier_code = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(
                fields=["barcode"], condition=~Q(barcode=""), name="uniq_product_barcode"
            ),
            models.CheckConstraint(condition=Q(weight_kg__gte=0), name="product_weight_positive"),
            models.CheckConstraint(condition=Q(volume_m3__gte=0), name="product_volume_positive"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="product_cost_positive"),
        ]
        indexes = [models.Index(fields=["name"], name="product_name_idx")]

    def __str__(self) -> str:
        return f"{self.sku} · {self.name}"

    @property
    def tracks_expiry(self) -> bool:
        return self.shelf_life_days is not None


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


def normalise_code(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()
