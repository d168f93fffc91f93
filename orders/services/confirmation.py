"""Confirming a customer order: its stock is reserved, all lines or none unless a partial
confirmation is asked for."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.exceptions import (
    InsufficientStock,
    assert_transition,
)
from inventory.models import Warehouse
from inventory.selectors import stock_available
from inventory.services import (
    stock_reserve,
)
from orders.models import (
    CustomerOrder,
    OrderEvent,
    OrderLine,
)
from orders.selectors import order_shortfall
from orders.services.common import (
    ORDER_TRANSITIONS,
    S,
    acting_user,
    order_event_add,
    order_lines,
    order_lock,
    order_move,
    order_sync,
)


@transaction.atomic
def order_confirm(*, order: CustomerOrder, allow_partial: bool = False, user=None) -> CustomerOrder:
    """new → confirmed: reserve every line through inventory, all lines or none.

    All lines are reserved in one transaction (lines in product order, so concurrent orders
    lock stock rows in the same order); if any line is short, every reservation made so far is
    rolled back and InsufficientStock (409) lists each short line (`shortfall`). With
    `allow_partial=True` (asked for by a partner or dispatcher) each line reserves what is
    available; the order is confirmed as partial unless nothing at all could be reserved.
    """
    locked = order_lock(order)
    assert_transition(ORDER_TRANSITIONS, current=locked.status, target=S.CONFIRMED, what="order")
    lines = order_lines(locked)
    reserved: dict[int, int] = {}
    try:
        with transaction.atomic():
            for line in lines:
                want = line.quantity - line.quantity_reserved
                if allow_partial:
                    want = _reserve_partial(
                        line=line, want=want, warehouse=locked.warehouse, user=user
                    )
                elif want > 0:
                    stock_reserve(
                        product=line.product,
                        warehouse=locked.warehouse,
                        quantity=want,
                        demand_ref=line.demand_ref,
                        demand_id=line.pk,
                        user=acting_user(user),
                    )
                reserved[line.pk] = line.quantity_reserved + want
    except InsufficientStock:
        shortfall = order_shortfall(order=locked)
        index = {line.pk: i for i, line in enumerate(locked.lines.order_by("pk"))}
        names = ", ".join(f"{s['product']} (short by {s['shortfall']})" for s in shortfall)
        raise InsufficientStock(
            f"Not enough stock to confirm {locked.reference}: {names or 'stock changed, retry'}. "
            "Nothing was reserved.",
            errors=[
                {
                    "field": f"lines[{index[s['line']]}].quantity",
                    "code": "insufficient_stock",
                    "message": f"{s['product']}: {s['requested']} requested, "
                    f"{s['available']} available.",
                }
                for s in shortfall
            ]
            or [{"field": "lines", "code": "insufficient_stock", "message": "Stock changed."}],
            extra={"shortfall": shortfall},
        ) from None
    total = sum(reserved.values())
    if total == 0:
        raise InsufficientStock(
            f"Nothing of {locked.reference} is in stock; it stays new.",
            field="lines",
            extra={"shortfall": order_shortfall(order=locked)},
        )
    for line in lines:
        line.quantity_reserved = reserved[line.pk]
    OrderLine.objects.bulk_update(lines, ["quantity_reserved"])
    is_partial = any(line.quantity_reserved < line.quantity for line in lines)
    order_move(locked, S.CONFIRMED, is_partial=is_partial, confirmed_at=timezone.now())
    order_event_add(
        order=locked,
        type=OrderEvent.Type.CONFIRMED,
        message="Confirmed as a partial order." if is_partial else "Stock reserved for all lines.",
        data={
            "partial": is_partial,
            "lines": [
                {
                    "product": line.product.sku,
                    "ordered": line.quantity,
                    "reserved": line.quantity_reserved,
                }
                for line in lines
            ],
        },
        user=user,
    )
    return order_sync(order, locked)


def _reserve_partial(*, line: OrderLine, want: int, warehouse: Warehouse, user) -> int:
    """Reserve up to `want`; retries when a concurrent writer takes stock between read and lock."""
    for _attempt in range(5):
        take = min(want, stock_available(product=line.product, warehouse=warehouse))
        if take <= 0:
            return 0
        try:
            with transaction.atomic():
                stock_reserve(
                    product=line.product,
                    warehouse=warehouse,
                    quantity=take,
                    demand_ref=line.demand_ref,
                    demand_id=line.pk,
                    user=acting_user(user),
                )
            return take
        except InsufficientStock:
            continue
    return 0
