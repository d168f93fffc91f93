"""Building blocks shared by the stock services: input checks, rows, counters and ledger rows.

Only the services in this package call these; each runs inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Case, F, Value, When
from django.db.models.functions import Least
from django.utils import timezone

from core.exceptions import InsufficientStock, ValidationFailed
from inventory.models import Location, Lot, Product, Stock, StockCondition, StockMove


def acting_user(user):
    """Services accept a request's user as is; anonymous callers and partner API keys (which
    are not users) are recorded as nobody."""
    if not isinstance(user, get_user_model()) or not user.is_authenticated:
        return None
    return user


def check_quantity(quantity, *, field: str = "quantity", allow_zero: bool = False) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationFailed("The quantity must be a whole number.", field=field)
    if quantity < 0 or (quantity == 0 and not allow_zero):
        raise ValidationFailed(
            "The quantity must be zero or more." if allow_zero else "The quantity must be above 0.",
            field=field,
        )
    return quantity


def check_product(product: Product, *, field: str = "product") -> Product:
    if not isinstance(product, Product) or product.pk is None:
        raise ValidationFailed("Unknown product.", field=field, code="not_found")
    if not product.is_active:
        raise ValidationFailed(f"Product {product.sku} is inactive.", field=field, code="inactive")
    return product


def check_location(location: Location, *, field: str = "location") -> Location:
    if not isinstance(location, Location) or location.pk is None:
        raise ValidationFailed("Unknown location.", field=field, code="not_found")
    if not location.is_active or not location.warehouse.is_active:
        raise ValidationFailed(f"Location {location} is inactive.", field=field, code="inactive")
    return location


def check_condition(condition: str, *, field: str = "condition") -> str:
    if condition not in StockCondition.values:
        raise ValidationFailed(
            f"Unknown condition '{condition}'; use one of {', '.join(StockCondition.values)}.",
            field=field,
        )
    return condition


def check_lot(lot: Lot | None, product: Product, *, field: str = "lot") -> Lot | None:
    if lot is not None and lot.product_id != product.pk:
        raise ValidationFailed(
            f"Lot {lot.code} belongs to another product, not {product.sku}.", field=field
        )
    return lot


def check_reason(reason: str, *, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give a reason for this change.", field=field, code="required")
    if len(reason) > 300:
        raise ValidationFailed("The reason is limited to 300 characters.", field=field)
    return reason


def stock_row(
    *, product: Product, location: Location, lot: Lot | None, condition: str, arrived_at: datetime
) -> Stock:
    """The stock row for this key, created empty if missing (safe against concurrent creators)."""
    row, _ = Stock.objects.get_or_create(
        product=product,
        location=location,
        lot=lot,
        condition=condition,
        defaults={"received_at": arrived_at},
    )
    return row


def add_on_hand(row: Stock, quantity: int, *, arrived_at: datetime, reserve: int = 0) -> None:
    """Put `quantity` into a locked row (`reserve` of it held); keep the oldest arrival time."""
    Stock.objects.filter(pk=row.pk).update(
        on_hand=F("on_hand") + quantity,
        reserved=F("reserved") + reserve,
        received_at=Case(
            When(on_hand=0, then=Value(arrived_at)),
            default=Least(F("received_at"), Value(arrived_at)),
        ),
        updated_at=timezone.now(),
    )


def take_available(row: Stock, quantity: int, *, field: str = "quantity") -> None:
    """Remove unreserved units from a locked row; reserved stock is never touched.

    A single conditional UPDATE: if another writer got there first it changes nothing and the
    caller gets InsufficientStock (409) with what is actually available.
    """
    changed = Stock.objects.filter(pk=row.pk, on_hand__gte=F("reserved") + quantity).update(
        on_hand=F("on_hand") - quantity, updated_at=timezone.now()
    )
    if not changed:
        row.refresh_from_db(fields=["on_hand", "reserved"])
        raise_insufficient(row, quantity, field=field)


def take_reserved(row: Stock, quantity: int) -> None:
    """Remove units that are reserved (pick source, shipment) from on_hand and reserved alike."""
    changed = Stock.objects.filter(pk=row.pk, reserved__gte=quantity).update(
        on_hand=F("on_hand") - quantity,
        reserved=F("reserved") - quantity,
        updated_at=timezone.now(),
    )
    if not changed:  # only possible if the counters drifted; refuse rather than corrupt
        raise InsufficientStock(
            f"Stock row {row.pk} holds less reserved stock than its reservations.",
            field="quantity",
        )


def raise_insufficient(row: Stock, quantity: int, *, field: str = "quantity"):
    available = row.on_hand - row.reserved
    detail = (
        f"Only {available} of {row.product.sku} available at {row.location}"
        f"{f' ({row.reserved} reserved)' if row.reserved else ''}; {quantity} requested."
    )
    raise InsufficientStock(
        detail,
        field=field,
        extra={"requested": quantity, "available": available, "shortfall": quantity - available},
    )


def move_build(
    *,
    kind: str,
    product: Product,
    quantity: int,
    lot: Lot | None = None,
    from_stock: Stock | None = None,
    to_stock: Stock | None = None,
    reference: str = "",
    reason: str = "",
    user=None,
    unit_cost=None,
    at: datetime | None = None,
) -> StockMove:
    """An unsaved ledger row whose locations and conditions mirror its stock rows."""
    return StockMove(
        kind=kind,
        product=product,
        lot=lot,
        from_stock=from_stock,
        to_stock=to_stock,
        from_location_id=from_stock.location_id if from_stock else None,
        to_location_id=to_stock.location_id if to_stock else None,
        from_condition=from_stock.condition if from_stock else "",
        to_condition=to_stock.condition if to_stock else "",
        quantity=quantity,
        reference=(reference or "")[:100],
        reason=(reason or "")[:300],
        user=acting_user(user),
        unit_cost=unit_cost,
        created_at=at or timezone.now(),
    )


def move_record(**kwargs) -> StockMove:
    move = move_build(**kwargs)
    move.save(force_insert=True)
    return move
