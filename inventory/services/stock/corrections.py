"""Corrections of what is on a shelf: adjustments with a reason, cycle counts and scrapping,
never below the reserved units. Ledger kinds `adjust`, `count`, `scrap`."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.exceptions import InsufficientStock, ValidationFailed
from inventory.locks import stock_lock
from inventory.models import Location, Lot, Product, Stock, StockMove
from inventory.services.ledger import (
    add_on_hand,
    check_condition,
    check_location,
    check_lot,
    check_quantity,
    check_reason,
    move_record,
    stock_row,
    take_available,
)


def _on_hand_change(
    row: Stock, difference: int, *, kind: str, field: str, reference: str, reason: str, user
) -> Stock:
    """Book `difference` (±, or 0 to record a check) on the locked row with one ledger row:
    into the row when positive, out of it (only unreserved units) when negative."""
    if difference > 0:
        add_on_hand(row, difference, arrived_at=timezone.now())
    elif difference < 0:
        take_available(row, -difference, field=field)
    side = "from_stock" if difference < 0 else "to_stock"
    move_record(
        kind=kind,
        product=row.product,
        lot=row.lot,
        quantity=abs(difference),
        reference=reference,
        reason=reason,
        user=user,
        **{side: row},
    )
    row.refresh_from_db()
    return row


@transaction.atomic
def stock_adjust(*, stock: Stock, delta: int, reason: str, user=None, reference: str = "") -> Stock:
    """Correct on_hand by `delta` (±), with a required reason; never below the reserved units.

    `stock_adjust(*, stock, delta, reason, user=None, reference="") -> Stock`. Ledger kind
    `adjust` (into the row when positive, out of it when negative).
    """
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise ValidationFailed("The adjustment must be a whole number other than 0.", field="delta")
    reason = check_reason(reason)
    row = stock_lock(pks=[stock.pk])[stock.pk]
    if delta < 0 and row.on_hand + delta < row.reserved:
        raise InsufficientStock(
            f"On hand would fall to {row.on_hand + delta}, below the {row.reserved} "
            "reserved units; release reservations first.",
            field="delta",
            extra={"on_hand": row.on_hand, "reserved": row.reserved},
        )
    return _on_hand_change(
        row,
        delta,
        kind=StockMove.Kind.ADJUST,
        field="delta",
        reference=reference,
        reason=reason,
        user=user,
    )


@transaction.atomic
def stock_count(
    *, stock: Stock, counted: int, user=None, reason: str = "", reference: str = ""
) -> Stock:
    """Cycle count: set on_hand to the counted quantity and record the difference.

    `stock_count(*, stock, counted, user=None, reason="", reference="") -> Stock`. A count
    below the reserved units is refused (409): someone must resolve the reservations first. A
    count that matches is recorded too (ledger kind `count`, quantity 0).
    """
    check_quantity(counted, field="counted", allow_zero=True)
    row = stock_lock(pks=[stock.pk])[stock.pk]
    if counted < row.reserved:
        raise InsufficientStock(
            f"Counted {counted}, but {row.reserved} units are reserved here; "
            "release or re-allocate them before booking this count.",
            field="counted",
            extra={"on_hand": row.on_hand, "reserved": row.reserved},
        )
    difference = counted - row.on_hand
    note = f"Cycle count: counted {counted}, system {row.on_hand} ({difference:+d})"
    reason = f"{note}. {reason.strip()}" if (reason or "").strip() else note
    return _on_hand_change(
        row,
        difference,
        kind=StockMove.Kind.COUNT,
        field="counted",
        reference=reference,
        reason=reason,
        user=user,
    )


@transaction.atomic
def stock_scrap(
    *, stock: Stock, quantity: int, reason: str, user=None, reference: str = ""
) -> Stock:
    """Write off unreserved units (damaged, expired…) with a reason. Ledger kind `scrap`.

    `stock_scrap(*, stock, quantity, reason, user=None, reference="") -> Stock`.
    """
    check_quantity(quantity)
    reason = check_reason(reason)
    row = stock_lock(pks=[stock.pk])[stock.pk]
    return _on_hand_change(
        row,
        -quantity,
        kind=StockMove.Kind.SCRAP,
        field="quantity",
        reference=reference,
        reason=reason,
        user=user,
    )


def stock_row_ensure(
    *, product: Product, location: Location, lot: Lot | None = None, condition: str = "good"
) -> Stock:
    """The (possibly empty) stock row for a key, e.g. to adjust up stock found in a new place."""
    check_location(location)
    check_condition(condition)
    check_lot(lot, product)
    return stock_row(
        product=product,
        location=location,
        lot=lot,
        condition=condition,
        arrived_at=timezone.now(),
    )
