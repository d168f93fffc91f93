"""Inventory master data: warehouses (also routing depots), their locations, and products."""

from __future__ import annotations

import re
import zoneinfo
from datetime import time
from decimal import Decimal

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


# How a product is handled and stocked (besides its identity and supplier): the fields the API
# and the CSV import both carry, in this order.
PRODUCT_ATTRIBUTES = (
    "unit",
    "weight_kg",
    "volume_m3",
    "barcode",
    "shelf_life_days",
    "is_returnable",
    "reorder_point",
    "reorder_qty",
    "unit_cost",
)


def normalise_code(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()
