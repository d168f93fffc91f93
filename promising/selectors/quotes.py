"""The quote cache. What a delivery quote reads that does not depend on the destination — a
depot's calendar (capacity outlook, slots, what is committed) and its stock per SKU — is cached
per depot for PROMISING_QUOTE_CACHE_S, under keys that change whenever what they were computed
from changes:

- the depot's quote version (`quote_version`), bumped when a hold is taken or expires
  (promising.services) and when an order of the depot is created, confirmed, rescheduled or
  cancelled (`order_event_forget`, subscribed to core.events);
- for calendars, routing's fingerprint of the shifts booked and drivers' time off
  (`routing.capacity.depot_capacity_version`);
- for stock, the head of inventory's stock ledger (`stock_ledger_head`): every change of stock
  writes a ledger row.

What still changes only with the timeout: the volume forecast (recomputed nightly), the learned
stops per driver hour (from plans of earlier days), vehicles and open purchase orders. Holding an
option re-checks everything exactly under its lock, so a stale quote can cost a 409 on the hold,
never an oversold slot or unit.

A small in-process memo in front of Redis (`memo_get`/`memo_set`, keyed with the cache's own
key prefix) keeps a worker from unpickling the same calendar for every request; reference data
that changes rarely (depots and their promise settings, products by SKU) is kept there for
REFERENCE_MEMO_S.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction

REFERENCE_MEMO_S = 30.0
_MEMO_MAX = 2048
_memo: dict[str, tuple[float, object]] = {}

# Order events that change what a depot has committed (slots) or reserved (stock).
ORDER_EVENTS = ("order.created", "order.confirmed", "order.rescheduled", "order.cancelled")


def _version_key(warehouse_pk: int) -> str:
    return f"promising:quote-version:{warehouse_pk}"


def quote_version(warehouse_pk: int) -> int:
    return cache.get(_version_key(warehouse_pk), 0)


def quotes_forget(warehouse_pk: int) -> None:
    """Drop the depot's cached calendars and stock (what is free there changed)."""
    key = _version_key(warehouse_pk)
    if not cache.add(key, 1, None):
        cache.incr(key)


def order_event_forget(event) -> None:
    """core.events subscriber: after the order's change commits, drop its depot's quotes."""
    reference = (event.payload or {}).get("order")
    if not reference:
        return

    def forget():
        from orders.models import CustomerOrder

        pk = (
            CustomerOrder.objects.filter(reference=reference)
            .values_list("warehouse_id", flat=True)
            .first()
        )
        if pk is not None:
            quotes_forget(pk)

    transaction.on_commit(forget)


def stock_ledger_head() -> int:
    """The newest stock ledger row's id: it moves with every change of stock. One query on
    the primary key's index."""
    from django.db.models import Max

    from inventory.models import StockMove

    return StockMove.objects.aggregate(head=Max("pk"))["head"] or 0


def memo_get(key: str):
    """A value memoised in this process under `key` (with the cache's key prefix), or None."""
    full = cache.make_key(key)
    found = _memo.get(full)
    if found is None:
        return None
    if found[0] < time.monotonic():
        _memo.pop(full, None)
        return None
    return found[1]


def memo_set(key: str, value, ttl_s: float) -> None:
    if len(_memo) >= _MEMO_MAX:
        _memo.clear()
    _memo[cache.make_key(key)] = (time.monotonic() + ttl_s, value)


def cached(key: str, ttl_s: int, compute):
    """`compute()` through the in-process memo and Redis, under `key`, for `ttl_s`."""
    value = memo_get(key)
    if value is not None:
        return value
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, ttl_s)
    memo_set(key, value, min(ttl_s, REFERENCE_MEMO_S))
    return value
