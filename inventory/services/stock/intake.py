"""Units coming in: receipts from suppliers (with lots, expiry and moving-average cost) and
returns from customers (restocked, quarantined or damaged). Ledger kinds `receive`, `return`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.exceptions import ValidationFailed
from inventory.locks import stock_lock
from inventory.models import Location, Lot, Product, Stock, StockCondition, StockMove
from inventory.services.ledger import (
    add_on_hand,
    check_condition,
    check_location,
    check_lot,
    check_product,
    check_quantity,
    move_record,
    stock_row,
)


@dataclass(frozen=True)
class _Arrival:
    """Units arriving at a location: of which product, how many, in what condition, into
    which lot (given, or found/created by code)."""

    product: Product
    location: Location
    quantity: int
    condition: str
    lot: Lot | None
    lot_code: str | None


def _lot_resolve(
    *,
    product: Product,
    lot: Lot | None,
    lot_code: str | None,
    expires_at: date | datetime | None,
    received_at: datetime,
) -> Lot | None:
    """The lot a receipt goes into: given, found or created by code, or made up for expiry.

    A product with a shelf life always gets a lot (FEFO needs an expiry date): without a code,
    `AUTO-<yyyymmdd>` of the receipt day, expiring `shelf_life_days` later.
    """
    if isinstance(expires_at, datetime):
        expires_at = expires_at.date()
    if lot is not None:
        check_lot(lot, product)
        if expires_at and lot.expires_at and lot.expires_at != expires_at:
            raise ValidationFailed(
                f"Lot {lot.code} expires on {lot.expires_at}, not {expires_at}.",
                field="expires_at",
            )
        return lot
    code = (lot_code or "").strip()
    if not code and product.tracks_expiry:
        code = f"AUTO-{received_at:%Y%m%d}"
    if not code:
        if expires_at:
            raise ValidationFailed("An expiry date needs a lot code.", field="lot_code")
        return None
    if len(code) > 64:
        raise ValidationFailed("A lot code has at most 64 characters.", field="lot_code")
    if expires_at is None and product.tracks_expiry:
        expires_at = received_at.date() + timedelta(days=product.shelf_life_days)
    found, created = Lot.objects.get_or_create(
        product=product,
        code=code,
        defaults={"received_at": received_at, "expires_at": expires_at},
    )
    if not created and expires_at and found.expires_at and found.expires_at != expires_at:
        raise ValidationFailed(
            f"Lot {code} of {product.sku} already exists with expiry {found.expires_at}.",
            field="expires_at",
        )
    if not created and found.expires_at is None and expires_at:
        Lot.objects.filter(pk=found.pk).update(expires_at=expires_at)
        found.expires_at = expires_at
    return found


def _put_in(
    kind: str,
    units: _Arrival,
    *,
    reference: str,
    user,
    reason: str,
    expires_at=None,
    unit_cost=None,
    received_at: datetime | None = None,
) -> Stock:
    product, quantity, condition = units.product, units.quantity, units.condition
    check_quantity(quantity)
    check_location(units.location)
    check_condition(condition)
    now = timezone.now()
    received_at = received_at or now
    if unit_cost is not None:
        unit_cost = Decimal(unit_cost)
        if unit_cost < 0:
            raise ValidationFailed("The unit cost cannot be negative.", field="unit_cost")
        _product_cost_update(product=product, quantity=quantity, unit_cost=unit_cost)
    lot = _lot_resolve(
        product=product,
        lot=units.lot,
        lot_code=units.lot_code,
        expires_at=expires_at,
        received_at=received_at,
    )
    row = stock_row(
        product=product,
        location=units.location,
        lot=lot,
        condition=condition,
        arrived_at=received_at,
    )
    stock_lock(pks=[row.pk])
    add_on_hand(row, quantity, arrived_at=received_at)
    move_record(
        kind=kind,
        product=product,
        lot=lot,
        to_stock=row,
        quantity=quantity,
        reference=reference,
        reason=reason,
        user=user,
        unit_cost=unit_cost,
        at=now,
    )
    row.refresh_from_db()
    return row


def _product_cost_update(*, product: Product, quantity: int, unit_cost: Decimal) -> None:
    """Moving-average cost: (units on hand x old cost + received x new cost) / all units."""
    locked = Product.objects.select_for_update().get(pk=product.pk)
    on_hand = Stock.objects.filter(product=product).aggregate(total=Sum("on_hand"))["total"] or 0
    if on_hand <= 0:
        average = unit_cost
    else:
        average = (Decimal(on_hand) * locked.unit_cost + Decimal(quantity) * unit_cost) / (
            on_hand + quantity
        )
    average = average.quantize(Decimal("0.0001"))
    Product.objects.filter(pk=product.pk).update(unit_cost=average, updated_at=timezone.now())
    product.unit_cost = average


@transaction.atomic
def stock_receive(
    *,
    product: Product,
    location: Location,
    quantity: int,
    condition: str = StockCondition.GOOD,
    lot: Lot | None = None,
    lot_code: str | None = None,
    expires_at: date | None = None,
    reference: str = "",
    user=None,
    reason: str = "",
    unit_cost: Decimal | None = None,
    received_at: datetime | None = None,
) -> Stock:
    """Receive `quantity` units of an active product into an active location.

    `stock_receive(*, product, location, quantity, condition="good", lot=None, lot_code=None,
    expires_at=None, reference="", user=None, reason="", unit_cost=None, received_at=None)
    -> Stock` (the row received into, refreshed).

    Give `lot` (a Lot of this product) or `lot_code` (found or created; `expires_at` must agree
    with an existing lot). Products with a shelf life always get a lot and an expiry date.
    `unit_cost` updates the product's moving-average cost. Ledger kind `receive`.
    """
    check_product(product)
    return _put_in(
        StockMove.Kind.RECEIVE,
        _Arrival(product, location, quantity, condition, lot, lot_code),
        reference=reference,
        user=user,
        reason=reason,
        expires_at=expires_at,
        unit_cost=unit_cost,
        received_at=received_at,
    )


@transaction.atomic
def stock_return(
    *,
    product: Product,
    location: Location,
    quantity: int,
    condition: str,
    lot: Lot | None = None,
    lot_code: str | None = None,
    reference: str = "",
    user=None,
    reason: str = "",
) -> Stock:
    """Put returned units back: restock (`condition="good"`) or quarantine/damaged.

    `stock_return(*, product, location, quantity, condition, lot=None, lot_code=None,
    reference="", user=None, reason="") -> Stock`. Works for inactive products too (a customer
    may return a discontinued item). Ledger kind `return`. Whether a return is accepted at all
    (window, returnable) is the orders app's policy; this only books the units.
    """
    if not isinstance(product, Product) or product.pk is None:
        raise ValidationFailed("Unknown product.", field="product", code="not_found")
    return _put_in(
        StockMove.Kind.RETURN,
        _Arrival(product, location, quantity, condition, lot, lot_code),
        reference=reference,
        user=user,
        reason=reason,
    )
