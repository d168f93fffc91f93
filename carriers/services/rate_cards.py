"""Carriers and their rate cards, as staff configure them."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from carriers.adapters import ADAPTERS
from carriers.models import Carrier
from core.exceptions import Conflict, ValidationFailed

MAX_ZONES = 12
MAX_BANDS = 12


def _increasing(values, *, field: str, kind, unit: str, most: int) -> list:
    out = []
    for index, raw in enumerate(values):
        try:
            value = kind(str(raw).strip())
        except (ValueError, InvalidOperation):
            raise ValidationFailed(
                f"'{raw}' is not a number of {unit}.", field=f"{field}[{index}]"
            ) from None
        if value <= 0:
            raise ValidationFailed(f"Limits must be above 0 {unit}.", field=f"{field}[{index}]")
        if out and value <= out[-1]:
            raise ValidationFailed(
                f"Limits must increase: {value} {unit} follows {out[-1]} {unit}.",
                field=f"{field}[{index}]",
            )
        out.append(value)
    if not out:
        raise ValidationFailed(f"Give at least one limit in {unit}.", field=field)
    if len(out) > most:
        raise ValidationFailed(f"At most {most} limits.", field=field)
    return out


def rate_card_clean(*, zone_limits_km, weight_limits_kg, prices) -> tuple[list, list, list]:
    """Zones (km from the depot) and weight bands (kg) strictly increasing and above zero, one
    price (≥ 0, two decimals) per zone and band."""
    zones = _increasing(zone_limits_km, field="zone_limits_km", kind=int, unit="km", most=MAX_ZONES)
    bands = _increasing(
        weight_limits_kg, field="weight_limits_kg", kind=Decimal, unit="kg", most=MAX_BANDS
    )
    if len(prices) != len(zones):
        raise ValidationFailed(
            f"Give one row of prices per zone ({len(zones)} rows).", field="prices"
        )
    grid = []
    for i, row in enumerate(prices):
        if len(row) != len(bands):
            raise ValidationFailed(
                f"Give one price per weight band ({len(bands)}) in each row.",
                field=f"prices[{i}]",
            )
        out_row = []
        for j, raw in enumerate(row):
            try:
                price = Decimal(str(raw).strip())
            except InvalidOperation:
                raise ValidationFailed(
                    f"'{raw}' is not a price.", field=f"prices[{i}][{j}]"
                ) from None
            if not price.is_finite() or price < 0 or price >= Decimal("100000000"):
                raise ValidationFailed(
                    "Prices are between 0 and 99,999,999.99.", field=f"prices[{i}][{j}]"
                )
            out_row.append(price.quantize(Decimal("0.01")))
        grid.append(out_row)
    return zones, bands, grid


@transaction.atomic
def carrier_save(
    *,
    carrier: Carrier | None = None,
    code: str,
    name: str,
    kind: str,
    currency: str,
    zone_limits_km,
    weight_limits_kg,
    prices,
    transit_days: int = 1,
    is_active: bool = True,
) -> Carrier:
    """Create or update a carrier with a validated rate card (422 naming the field; 409 when
    the code is taken)."""
    if kind not in ADAPTERS:
        raise ValidationFailed(
            f"Unknown carrier kind; use one of {', '.join(ADAPTERS)}.", field="kind"
        )
    if not re.fullmatch(r"[A-Z]{3}", currency or ""):
        raise ValidationFailed("Currency is a three-letter ISO code, e.g. EUR.", field="currency")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,19}", code or ""):
        raise ValidationFailed("Code: up to 20 lower-case letters, digits or dashes.", field="code")
    if not (name or "").strip():
        raise ValidationFailed("Give the carrier a name.", field="name")
    if not 0 <= int(transit_days) <= 30:
        raise ValidationFailed("Transit days are between 0 and 30.", field="transit_days")
    zones, bands, grid = rate_card_clean(
        zone_limits_km=zone_limits_km, weight_limits_kg=weight_limits_kg, prices=prices
    )
    carrier = carrier or Carrier()
    carrier.code, carrier.name, carrier.kind = code, name.strip()[:100], kind
    carrier.currency, carrier.transit_days, carrier.is_active = currency, transit_days, is_active
    carrier.zone_limits_km, carrier.weight_limits_kg, carrier.prices = zones, bands, grid
    try:
        with transaction.atomic():
            carrier.save()
    except IntegrityError:
        raise Conflict(f"A carrier with code '{code}' exists.", field="code") from None
    return carrier
