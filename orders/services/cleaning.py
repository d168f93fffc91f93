"""Input cleaning for customer orders: coordinates, delivery windows, skills, lines, the
warehouse and the partner's external reference; each raises ValidationFailed naming the field."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from core.exceptions import (
    Conflict,
    ValidationFailed,
)
from inventory.models import Product, Warehouse
from orders.models import (
    CustomerOrder,
    VehicleSkill,
)
from orders.services.common import (
    MAX_LINES,
)
from partners.models import Partner


def decimal_clean(value, *, field: str, places: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal(places))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed("Enter a number.", field=field) from None
    if not number.is_finite():
        raise ValidationFailed("Enter a number.", field=field)
    return number


def coordinates_clean(latitude, longitude, *, prefix: str = "") -> tuple[Decimal, Decimal] | None:
    """Both or neither; in range; not the (0, 0) placeholder. Returns None when both empty."""
    lat = decimal_clean(latitude, field=f"{prefix}latitude", places="0.000001")
    lon = decimal_clean(longitude, field=f"{prefix}longitude", places="0.000001")
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        missing = f"{prefix}latitude" if lat is None else f"{prefix}longitude"
        raise ValidationFailed("Give both latitude and longitude, or neither.", field=missing)
    errors = []
    if not -90 <= lat <= 90:
        errors.append(
            {
                "field": f"{prefix}latitude",
                "code": "out_of_range",
                "message": "Latitude must be between -90 and 90.",
            }
        )
    if not -180 <= lon <= 180:
        errors.append(
            {
                "field": f"{prefix}longitude",
                "code": "out_of_range",
                "message": "Longitude must be between -180 and 180.",
            }
        )
    if not errors and lat == 0 and lon == 0:
        errors.append(
            {
                "field": f"{prefix}latitude",
                "code": "null_island",
                "message": "0,0 is not a delivery location; give the real coordinates.",
            }
        )
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)
    return lat, lon


def windows_clean(
    *,
    window_start: datetime | None,
    window_end: datetime | None,
    window2_start: datetime | None = None,
    window2_end: datetime | None = None,
    now: datetime | None = None,
) -> None:
    """Windows are aware datetimes, start < end, end in the future; a 2nd window follows the 1st."""
    now = now or timezone.now()
    for start_name, end_name, start, end, required in (
        ("window_start", "window_end", window_start, window_end, True),
        ("window2_start", "window2_end", window2_start, window2_end, False),
    ):
        if start is None and end is None and not required:
            continue
        if start is None or end is None:
            raise ValidationFailed(
                "A delivery window needs a start and an end.",
                field=start_name if start is None else end_name,
                code="required",
            )
        for name, value in ((start_name, start), (end_name, end)):
            if not isinstance(value, datetime) or timezone.is_naive(value):
                raise ValidationFailed(
                    "Give a date and time with a time zone offset.", field=name, code="invalid"
                )
        if start >= end:
            raise ValidationFailed(
                "The window must start before it ends.", field=end_name, code="window_order"
            )
        if end <= now:
            raise ValidationFailed(
                "The window must end in the future.", field=end_name, code="window_past"
            )
        if end - start > timedelta(days=2):
            raise ValidationFailed(
                "A delivery window is at most 48 hours long.", field=end_name, code="window_long"
            )
    if window2_start is not None and window2_start < window_end:
        raise ValidationFailed(
            "The second window must start after the first one ends.",
            field="window2_start",
            code="window_overlap",
        )


def skills_clean(skills: Iterable[str] | None) -> list[str]:
    skills = list(skills or [])
    unknown = sorted({s for s in skills if s not in VehicleSkill.values})
    if unknown:
        raise ValidationFailed(
            f"Unknown vehicle skill(s): {', '.join(unknown)}; "
            f"use {', '.join(VehicleSkill.values)}.",
            field="required_skills",
        )
    return sorted(set(skills))


def order_lines_clean(lines: list[dict]) -> list[tuple[Product, int, Decimal]]:
    if not lines:
        raise ValidationFailed("An order needs at least one line.", field="lines", code="required")
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} lines per order.", field="lines")
    merged: dict[int, list] = {}
    errors = []
    for index, line in enumerate(lines):
        product = line.get("product")
        quantity = line.get("quantity")
        price = line.get("unit_price") or Decimal("0")
        if not isinstance(product, Product) or product.pk is None:
            errors.append(
                {
                    "field": f"lines[{index}].product",
                    "code": "not_found",
                    "message": "Unknown product.",
                }
            )
            continue
        if not product.is_active:
            errors.append(
                {
                    "field": f"lines[{index}].product",
                    "code": "inactive",
                    "message": f"Product {product.sku} is no longer sold.",
                }
            )
            continue
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            errors.append(
                {
                    "field": f"lines[{index}].quantity",
                    "code": "min_value",
                    "message": "The quantity must be a whole number above 0.",
                }
            )
            continue
        try:
            price = Decimal(str(price)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            price = Decimal("-1")
        if price < 0:
            errors.append(
                {
                    "field": f"lines[{index}].unit_price",
                    "code": "min_value",
                    "message": "The unit price cannot be negative.",
                }
            )
            continue
        if product.pk in merged:
            merged[product.pk][1] += quantity
        else:
            merged[product.pk] = [product, quantity, price]
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)
    return [tuple(v) for v in merged.values()]


def warehouse_clean(warehouse) -> Warehouse:
    if not isinstance(warehouse, Warehouse) or warehouse.pk is None or not warehouse.is_active:
        raise ValidationFailed(
            "Unknown or inactive warehouse.", field="warehouse", code="not_found"
        )
    return warehouse


def external_ref_check(partner: Partner | None, external_ref: str) -> None:
    if not partner or not external_ref:
        return
    existing = CustomerOrder.objects.filter(partner=partner, external_ref=external_ref).first()
    if existing is not None:
        raise Conflict(
            f"Order {existing.reference} already has the external reference '{external_ref}'.",
            field="external_ref",
            code="duplicate",
            extra={"existing_reference": existing.reference},
        )
