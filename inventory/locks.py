"""Row locks on stock, always taken in primary-key order so two writers never deadlock.

Every service that changes a `Stock` row locks it here first (reservations before stock rows
when both are needed), then changes it with a conditional `UPDATE … SET x = x ± n` via F().
"""

from __future__ import annotations

from collections.abc import Iterable

from inventory.models import Reservation, Stock


def stock_lock(*, pks: Iterable[int]) -> dict[int, Stock]:
    """`SELECT … FOR UPDATE` the stock rows `pks`, ordered by pk; returns them by pk."""
    rows = (
        Stock.objects.select_for_update(of=("self",))
        .select_related("lot", "location")
        .filter(pk__in=set(pks))
        .order_by("pk")
    )
    return {row.pk: row for row in rows}


def reservations_lock(**filters) -> list[Reservation]:
    """Lock the reservations matching `filters`, ordered by pk."""
    return list(
        Reservation.objects.select_for_update(of=("self",))
        .select_related("stock", "stock__location", "stock__lot", "product")
        .filter(**filters)
        .order_by("pk")
    )
