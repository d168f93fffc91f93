"""Reservations for a demand (an order line in another app): reserve, release, pick, ship.

A demand is identified by `demand_ref` (a string such as "ORD-2026-000001#3") and optionally
`demand_id` (the order line's id); inventory never imports the app that owns the demand.

How reserved stock travels (the reserved counter always equals the sum of the active
reservations that point at a row):

* reserve: `Stock.reserved += n` on the chosen rows; one `Reservation` per row (state reserved).
* pick: the units move to a dispatch location *still reserved*: the source row loses n from
  on_hand and reserved, the dispatch row gains n in both, the reservation now points at the
  dispatch row (state picked). Ledger kind `pick` (from source to dispatch row).
* ship: the dispatch row loses n from on_hand and reserved (state shipped). Ledger `ship`.
* release: reserved -= n where the reservation points (state released); picked units stay in
  the dispatch location as free stock. Ledger `release`.

Lock order everywhere: reservations (by pk), then stock rows (by pk) — see inventory.locks.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.exceptions import Conflict, InsufficientStock, ValidationFailed, assert_transition
from inventory.locks import reservations_lock, stock_lock
from inventory.models import (
    Location,
    Product,
    Reservation,
    Stock,
    StockMove,
    Warehouse,
)
from inventory.selectors.stock import reservable_stock
from inventory.services.ledger import (
    acting_user,
    add_on_hand,
    check_location,
    check_product,
    check_quantity,
    move_build,
    stock_row,
    take_reserved,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def allocation_order_key(row: Stock):
    """FEFO for lots with an expiry date (earliest first), then FIFO by arrival, then pk."""
    expires = row.lot.expires_at if row.lot_id else None
    arrived = row.lot.received_at if row.lot_id else row.received_at
    return (expires is None, expires or datetime.max.date(), arrived or _EPOCH, row.pk)


def _check_demand_ref(demand_ref: str) -> str:
    demand_ref = (demand_ref or "").strip()
    if not demand_ref or len(demand_ref) > 100:
        raise ValidationFailed(
            "A demand reference of 1 to 100 characters is required.", field="demand_ref"
        )
    return demand_ref


def _reservation_move(
    kind: str, reservation: Reservation, from_stock: Stock, to_stock: Stock | None, **extra
) -> StockMove:
    """The ledger row of a reservation's units leaving `from_stock` (released in place, picked
    to `to_stock`, or shipped), referenced by its demand."""
    return move_build(
        kind=kind,
        product=reservation.product,
        lot=from_stock.lot,
        from_stock=from_stock,
        to_stock=to_stock,
        quantity=reservation.quantity,
        reference=reservation.demand_ref,
        **extra,
    )


@transaction.atomic
def stock_reserve(
    *,
    product: Product,
    warehouse: Warehouse,
    quantity: int,
    demand_ref: str,
    demand_id: int | None = None,
    user=None,
) -> list[Reservation]:
    """Reserve `quantity` units of `product` in `warehouse` for a demand, all or nothing.

    `stock_reserve(*, product, warehouse, quantity, demand_ref, demand_id=None, user=None)
    -> list[Reservation]` (one per stock row used, in allocation order).

    Only `good` stock in active, non-quarantine locations and in lots not past their expiry
    date (in the warehouse's time zone) can be reserved. Rows are taken FEFO (lots with an
    expiry date, earliest first), then FIFO by arrival. Raises InsufficientStock (409, with
    `requested`, `available`, `shortfall`) and reserves nothing when there is not enough.

    Race-free: every candidate row is locked with `SELECT … FOR UPDATE ORDER BY pk` before the
    available quantity is computed, and each row's counter is raised by a conditional
    `UPDATE … SET reserved = reserved + n WHERE on_hand >= reserved + n`.
    Calling it again for the same demand reserves more (it does not replace).
    """
    check_quantity(quantity)
    check_product(product)
    demand_ref = _check_demand_ref(demand_ref)
    if not isinstance(warehouse, Warehouse) or not warehouse.is_active:
        raise ValidationFailed("Unknown or inactive warehouse.", field="warehouse")
    candidates = (
        reservable_stock(product=product, warehouse=warehouse)
        .select_for_update(of=("self",))
        .select_related("lot")
        .order_by("pk")
    )
    rows = sorted(candidates, key=allocation_order_key)
    available = sum(row.on_hand - row.reserved for row in rows)
    if available < quantity:
        raise InsufficientStock(
            f"Only {available} of {product.sku} available to reserve in {warehouse.code}; "
            f"{quantity} requested (short by {quantity - available}).",
            field="quantity",
            extra={
                "requested": quantity,
                "available": available,
                "shortfall": quantity - available,
                "product": product.sku,
                "warehouse": warehouse.code,
            },
        )
    user = acting_user(user)
    now = timezone.now()
    reservations, moves = [], []
    remaining = quantity
    for row in rows:
        if remaining == 0:
            break
        take = min(remaining, row.on_hand - row.reserved)
        if take <= 0:
            continue
        changed = Stock.objects.filter(pk=row.pk, on_hand__gte=F("reserved") + take).update(
            reserved=F("reserved") + take, updated_at=now
        )
        if changed != 1:  # cannot happen under the row lock; refuse rather than oversell
            raise InsufficientStock(f"Stock of {product.sku} changed; retry.", field="quantity")
        remaining -= take
        reservations.append(
            Reservation(
                demand_ref=demand_ref,
                demand_id=demand_id,
                product=product,
                stock=row,
                quantity=take,
                created_by=user,
            )
        )
        moves.append(
            move_build(
                kind=StockMove.Kind.RESERVE,
                product=product,
                lot=row.lot,
                from_stock=row,
                to_stock=row,
                quantity=take,
                reference=demand_ref,
                user=user,
                at=now,
            )
        )
    Reservation.objects.bulk_create(reservations)
    StockMove.objects.bulk_create(moves)
    return reservations


def _release_locked(reservations: list[Reservation], *, user, reason: str) -> int:
    rows = stock_lock(pks=[r.stock_id for r in reservations])
    now = timezone.now()
    moves = []
    total = 0
    for reservation in reservations:
        assert_transition(
            Reservation.TRANSITIONS,
            current=reservation.state,
            target=Reservation.State.RELEASED,
            what="reservation",
        )
        row = rows[reservation.stock_id]
        changed = Stock.objects.filter(pk=row.pk, reserved__gte=reservation.quantity).update(
            reserved=F("reserved") - reservation.quantity, updated_at=now
        )
        if not changed:
            raise Conflict(f"Stock row {row.pk} holds less reserved stock than its reservations.")
        moves.append(
            _reservation_move(
                StockMove.Kind.RELEASE, reservation, row, row, reason=reason, user=user, at=now
            )
        )
        total += reservation.quantity
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
        state=Reservation.State.RELEASED, updated_at=now
    )
    for reservation in reservations:
        reservation.state = Reservation.State.RELEASED
    StockMove.objects.bulk_create(moves)
    return total


@transaction.atomic
def reservation_release(*, reservation: Reservation, user=None, reason: str = "") -> Reservation:
    """Give one reservation's units back to available stock.

    `reservation_release(*, reservation, user=None, reason="") -> Reservation`. Only a
    reserved or picked reservation can be released (InvalidTransition 409 otherwise).
    """
    locked = reservations_lock(pk=reservation.pk)
    if not locked:
        raise ValidationFailed("Unknown reservation.", field="reservation", code="not_found")
    _release_locked(locked, user=acting_user(user), reason=reason)
    return locked[0]


@transaction.atomic
def reservations_release(*, demand_ref: str, user=None, reason: str = "") -> int:
    """Release every active (reserved or picked) reservation of a demand.

    `reservations_release(*, demand_ref, user=None, reason="") -> int`: the number of units
    released (0 when nothing was held, so calling it twice is safe).
    """
    demand_ref = _check_demand_ref(demand_ref)
    locked = reservations_lock(demand_ref=demand_ref, state__in=Reservation.ACTIVE_STATES)
    if not locked:
        return 0
    return _release_locked(locked, user=acting_user(user), reason=reason)


@transaction.atomic
def stock_pick(*, demand_ref: str, to_location: Location, user=None) -> list[StockMove]:
    """Move a demand's reserved units to a dispatch location, keeping them reserved.

    `stock_pick(*, demand_ref, to_location, user=None) -> list[StockMove]` (kind `pick`).
    `to_location` must be an active dispatch location in the reservations' warehouse. Each
    reservation then points at the dispatch row (state picked). Already picked reservations
    are skipped, so a repeated call returns []; a demand with nothing held is a 409.
    """
    demand_ref = _check_demand_ref(demand_ref)
    check_location(to_location, field="to_location")
    if to_location.kind != Location.Kind.DISPATCH:
        raise ValidationFailed(
            f"{to_location} is a {to_location.get_kind_display().lower()} location; "
            "pick into a dispatch location.",
            field="to_location",
        )
    locked = reservations_lock(demand_ref=demand_ref, state__in=Reservation.ACTIVE_STATES)
    if not locked:
        raise Conflict(f"Nothing is reserved for {demand_ref}.", field="demand_ref")
    pending = [r for r in locked if r.state == Reservation.State.RESERVED]
    for reservation in pending:
        if reservation.stock.location.warehouse_id != to_location.warehouse_id:
            raise ValidationFailed(
                f"{to_location} is not in the warehouse holding {demand_ref}'s stock.",
                field="to_location",
            )
    user = acting_user(user)
    targets = {
        r.pk: stock_row(
            product=r.product,
            location=to_location,
            lot=r.stock.lot,
            condition=r.stock.condition,
            arrived_at=r.stock.received_at,
        )
        for r in pending
    }
    rows = stock_lock(pks=[*(r.stock_id for r in pending), *(t.pk for t in targets.values())])
    now = timezone.now()
    moves = []
    for reservation in pending:
        source, target = rows[reservation.stock_id], rows[targets[reservation.pk].pk]
        if source.pk != target.pk:
            take_reserved(source, reservation.quantity)
            add_on_hand(
                target,
                reservation.quantity,
                arrived_at=source.received_at,
                reserve=reservation.quantity,
            )
        moves.append(
            _reservation_move(StockMove.Kind.PICK, reservation, source, target, user=user, at=now)
        )
        Reservation.objects.filter(pk=reservation.pk).update(
            stock=target, state=Reservation.State.PICKED, updated_at=now
        )
        reservation.stock, reservation.state = target, Reservation.State.PICKED
    StockMove.objects.bulk_create(moves)
    return moves


@transaction.atomic
def stock_ship(*, demand_ref: str, user=None) -> list[StockMove]:
    """Ship a demand's picked units: they leave on_hand and reserved (ledger kind `ship`).

    `stock_ship(*, demand_ref, user=None) -> list[StockMove]`. Every active reservation of the
    demand must be picked first (409 InvalidTransition otherwise). Repeating it after the demand
    shipped returns []; a demand that never held stock is a 409.
    """
    demand_ref = _check_demand_ref(demand_ref)
    locked = reservations_lock(demand_ref=demand_ref, state__in=Reservation.ACTIVE_STATES)
    if not locked:
        if Reservation.objects.filter(
            demand_ref=demand_ref, state=Reservation.State.SHIPPED
        ).exists():
            return []
        raise Conflict(f"Nothing is reserved for {demand_ref}.", field="demand_ref")
    for reservation in locked:
        assert_transition(
            Reservation.TRANSITIONS,
            current=reservation.state,
            target=Reservation.State.SHIPPED,
            what="reservation",
        )
    user = acting_user(user)
    rows = stock_lock(pks=[r.stock_id for r in locked])
    now = timezone.now()
    moves = []
    for reservation in locked:
        row = rows[reservation.stock_id]
        take_reserved(row, reservation.quantity)
        moves.append(
            _reservation_move(StockMove.Kind.SHIP, reservation, row, None, user=user, at=now)
        )
    Reservation.objects.filter(pk__in=[r.pk for r in locked]).update(
        state=Reservation.State.SHIPPED, updated_at=now
    )
    for reservation in locked:
        reservation.state = Reservation.State.SHIPPED
    StockMove.objects.bulk_create(moves)
    return moves
