"""Units moving inside the warehouse network: transfers between locations (or warehouses),
re-grading to another condition, and the nightly expiry of lots. Reserved units never move
here. Ledger kinds `transfer`, `condition`."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import F

from core.exceptions import ValidationFailed
from inventory.locks import stock_lock
from inventory.models import Location, Stock, StockCondition, StockMove
from inventory.selectors.stock import local_today
from inventory.services.ledger import (
    add_on_hand,
    check_condition,
    check_location,
    check_quantity,
    check_reason,
    move_build,
    move_record,
    stock_row,
    take_available,
)


def _move_between(
    *,
    kind: str,
    stock: Stock,
    quantity: int,
    to_location: Location,
    to_condition: str,
    reference: str,
    reason: str,
    user,
) -> Stock:
    arrived_at = stock.received_at
    target = stock_row(
        product=stock.product,
        location=to_location,
        lot=stock.lot,
        condition=to_condition,
        arrived_at=arrived_at,
    )
    rows = stock_lock(pks=[stock.pk, target.pk])
    source = rows[stock.pk]
    take_available(source, quantity)
    add_on_hand(target, quantity, arrived_at=source.received_at)
    move_record(
        kind=kind,
        product=stock.product,
        lot=stock.lot,
        from_stock=source,
        to_stock=target,
        quantity=quantity,
        reference=reference,
        reason=reason,
        user=user,
    )
    target.refresh_from_db()
    return target


@transaction.atomic
def stock_transfer(
    *,
    stock: Stock,
    to_location: Location,
    quantity: int,
    user=None,
    reason: str = "",
    reference: str = "",
    between_warehouses: bool = False,
) -> Stock:
    """Move unreserved units of one stock row to another location (same lot and condition).

    `stock_transfer(*, stock, to_location, quantity, user=None, reason="", reference="",
    between_warehouses=False) -> Stock` (the destination row). Within one warehouse unless
    `between_warehouses=True`; reserved units stay where they are. Ledger kind `transfer`.
    """
    check_quantity(quantity)
    check_location(to_location, field="to_location")
    if to_location.pk == stock.location_id:
        raise ValidationFailed("Pick a different destination location.", field="to_location")
    same_warehouse = to_location.warehouse_id == stock.location.warehouse_id
    if not between_warehouses and not same_warehouse:
        raise ValidationFailed(
            f"{to_location} is in another warehouse than {stock.location}; "
            "use a transfer between warehouses.",
            field="to_location",
        )
    return _move_between(
        kind=StockMove.Kind.TRANSFER,
        stock=stock,
        quantity=quantity,
        to_location=to_location,
        to_condition=stock.condition,
        reference=reference,
        reason=reason,
        user=user,
    )


@transaction.atomic
def stock_condition_change(
    *,
    stock: Stock,
    to_condition: str,
    quantity: int,
    reason: str,
    to_location: Location | None = None,
    user=None,
    reference: str = "",
) -> Stock:
    """Re-grade unreserved units (e.g. good → quarantined), optionally moving them too.

    `stock_condition_change(*, stock, to_condition, quantity, reason, to_location=None,
    user=None, reference="") -> Stock` (the destination row). A reason is required. The
    destination must be in the same warehouse. Ledger kind `condition`.
    """
    check_quantity(quantity)
    check_condition(to_condition, field="to_condition")
    reason = check_reason(reason)
    to_location = to_location or stock.location
    check_location(to_location, field="to_location")
    if to_location.warehouse_id != stock.location.warehouse_id:
        raise ValidationFailed(
            f"{to_location} is in another warehouse than {stock.location}.", field="to_location"
        )
    if to_condition == stock.condition:
        raise ValidationFailed(
            f"The stock is already {stock.condition}; choose another condition.",
            field="to_condition",
        )
    return _move_between(
        kind=StockMove.Kind.CONDITION,
        stock=stock,
        quantity=quantity,
        to_location=to_location,
        to_condition=to_condition,
        reference=reference,
        reason=reason,
        user=user,
    )


@transaction.atomic
def stock_expire_due(*, today: date | None = None, user=None) -> int:
    """Re-grade good, unreserved units of lots past their expiry date to `expired`.

    Returns the number of units re-graded. Reserved units stay until their demand is resolved.
    Safe to run twice (a second run finds nothing to do). Past = before `today`, by default
    today where each lot's warehouse is.
    """
    # A lot expires at the end of its date where its warehouse is (`expired_q`'s rule).
    before = today or local_today()
    candidates = list(
        Stock.objects.filter(
            condition=StockCondition.GOOD, lot__expires_at__lt=before, on_hand__gt=F("reserved")
        )
        .select_related("product", "location", "lot")
        .order_by("pk")
    )
    if not candidates:
        return 0
    targets = {
        row.pk: stock_row(
            product=row.product,
            location=row.location,
            lot=row.lot,
            condition=StockCondition.EXPIRED,
            arrived_at=row.received_at,
        )
        for row in candidates
    }
    locked = stock_lock(pks=[*targets, *(t.pk for t in targets.values())])
    moves = []
    total = 0
    for pk, target in targets.items():
        source = locked[pk]
        quantity = source.on_hand - source.reserved
        if quantity <= 0:
            continue
        take_available(source, quantity)
        add_on_hand(target, quantity, arrived_at=source.received_at)
        moves.append(
            move_build(
                kind=StockMove.Kind.CONDITION,
                product=source.product,
                lot=source.lot,
                from_stock=source,
                to_stock=target,
                quantity=quantity,
                reason=f"Lot expired on {source.lot.expires_at}",
                user=user,
            )
        )
        total += quantity
    StockMove.objects.bulk_create(moves)
    return total
