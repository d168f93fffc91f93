"""Physical stock changes: receive, return, transfer, adjust, count, condition change, scrap.

Each function validates its input (ValidationFailed 422 naming the field, InsufficientStock 409),
locks the stock rows it touches in pk order, changes them with conditional F() updates and
writes one ledger row per change, all in one transaction. Reserved units are never moved,
adjusted away or scrapped: only `on_hand - reserved` can leave a row here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from core.exceptions import InsufficientStock, ValidationFailed
from inventory.locks import stock_lock
from inventory.models import Location, Lot, Product, Stock, StockCondition, StockMove
from inventory.services.ledger import (
    add_on_hand,
    check_condition,
    check_location,
    check_lot,
    check_product,
    check_quantity,
    check_reason,
    move_build,
    move_record,
    stock_row,
    take_available,
)


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
    *,
    kind: str,
    product: Product,
    location: Location,
    quantity: int,
    condition: str,
    lot: Lot | None,
    lot_code: str | None,
    expires_at,
    reference: str,
    user,
    reason: str,
    unit_cost,
    received_at: datetime | None,
) -> Stock:
    check_quantity(quantity)
    check_location(location)
    check_condition(condition)
    now = timezone.now()
    received_at = received_at or now
    if unit_cost is not None:
        unit_cost = Decimal(unit_cost)
        if unit_cost < 0:
            raise ValidationFailed("The unit cost cannot be negative.", field="unit_cost")
        _product_cost_update(product=product, quantity=quantity, unit_cost=unit_cost)
    lot = _lot_resolve(
        product=product, lot=lot, lot_code=lot_code, expires_at=expires_at, received_at=received_at
    )
    row = stock_row(
        product=product, location=location, lot=lot, condition=condition, arrived_at=received_at
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
        kind=StockMove.Kind.RECEIVE,
        product=product,
        location=location,
        quantity=quantity,
        condition=condition,
        lot=lot,
        lot_code=lot_code,
        expires_at=expires_at,
        reference=reference,
        user=user,
        reason=reason,
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
        kind=StockMove.Kind.RETURN,
        product=product,
        location=location,
        quantity=quantity,
        condition=condition,
        lot=lot,
        lot_code=lot_code,
        expires_at=None,
        reference=reference,
        user=user,
        reason=reason,
        unit_cost=None,
        received_at=None,
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
def stock_adjust(*, stock: Stock, delta: int, reason: str, user=None, reference: str = "") -> Stock:
    """Correct on_hand by `delta` (±), with a required reason; never below the reserved units.

    `stock_adjust(*, stock, delta, reason, user=None, reference="") -> Stock`. Ledger kind
    `adjust` (into the row when positive, out of it when negative).
    """
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise ValidationFailed("The adjustment must be a whole number other than 0.", field="delta")
    reason = check_reason(reason)
    row = stock_lock(pks=[stock.pk])[stock.pk]
    if delta > 0:
        add_on_hand(row, delta, arrived_at=timezone.now())
        sides = {"to_stock": row}
    else:
        if row.on_hand + delta < row.reserved:
            raise InsufficientStock(
                f"On hand would fall to {row.on_hand + delta}, below the {row.reserved} "
                "reserved units; release reservations first.",
                field="delta",
                extra={"on_hand": row.on_hand, "reserved": row.reserved},
            )
        take_available(row, -delta, field="delta")
        sides = {"from_stock": row}
    move_record(
        kind=StockMove.Kind.ADJUST,
        product=row.product,
        lot=row.lot,
        quantity=abs(delta),
        reference=reference,
        reason=reason,
        user=user,
        **sides,
    )
    row.refresh_from_db()
    return row


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
    if difference > 0:
        add_on_hand(row, difference, arrived_at=timezone.now())
        sides = {"to_stock": row}
    elif difference < 0:
        take_available(row, -difference, field="counted")
        sides = {"from_stock": row}
    else:
        sides = {"to_stock": row}
    move_record(
        kind=StockMove.Kind.COUNT,
        product=row.product,
        lot=row.lot,
        quantity=abs(difference),
        reference=reference,
        reason=reason,
        user=user,
        **sides,
    )
    row.refresh_from_db()
    return row


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
    take_available(row, quantity)
    move_record(
        kind=StockMove.Kind.SCRAP,
        product=row.product,
        lot=row.lot,
        from_stock=row,
        quantity=quantity,
        reference=reference,
        reason=reason,
        user=user,
    )
    row.refresh_from_db()
    return row


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


@transaction.atomic
def stock_expire_due(*, today: date | None = None, user=None) -> int:
    """Re-grade good, unreserved units of lots past their expiry date to `expired`.

    Returns the number of units re-graded. Reserved units stay until their demand is resolved.
    Safe to run twice (a second run finds nothing to do).
    """
    today = today or timezone.localdate()
    candidates = list(
        Stock.objects.filter(
            condition=StockCondition.GOOD, lot__expires_at__lt=today, on_hand__gt=F("reserved")
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
