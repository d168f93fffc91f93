"""When can the items leave a depot: units available now (inventory: sellable on hand minus
reserved), minus what live promises hold, plus goods on order at the day they are likely to
arrive (purchasing: the supplier's promised date moved by its measured lateness)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q, Sum

from inventory.models import Product, Warehouse
from inventory.selectors.stock import stock_totals
from orders.models import OrderStatus
from promising import conf
from promising.models import PromiseReservation, PromiseReservationLine
from promising.selectors.inputs import Item
from promising.selectors.quotes import memo_get, memo_set, quote_version, stock_ledger_head
from purchasing.selectors import InboundArrival, purchase_inbound_arrivals

# Goods received on a day are put away that day and can leave on the next.
PUT_AWAY_DAYS = 1
UNMEASURED_ON_TIME = 0.8  # a supplier with no delivered orders yet


@dataclass(frozen=True)
class ItemReadiness:
    item: Item
    available_now: int  # sellable on hand - reserved - held by live promises
    on_order: int
    ready_date: dt.date | None  # the first day the units can leave the depot
    arrival: InboundArrival | None  # the purchase that makes it ready, when not on hand

    @property
    def shortfall(self) -> int:
        return max(self.item.quantity - max(self.available_now, 0), 0)

    @property
    def on_time_probability(self) -> float:
        """How likely the purchase that makes it ready arrives in time (1 when on hand)."""
        if self.arrival is None:
            return 1.0
        rate = self.arrival.lateness.on_time_rate
        return float(rate) / 100 if rate is not None else UNMEASURED_ON_TIME


def live_hold_q(now: dt.datetime, prefix: str = "") -> Q:
    """Holds that still count: held and unexpired, or used by an order not yet confirmed (a
    confirmed order's stock is reserved in inventory)."""
    return Q(
        **{f"{prefix}status": PromiseReservation.Status.HELD, f"{prefix}expires_at__gt": now}
    ) | Q(
        **{
            f"{prefix}status": PromiseReservation.Status.USED,
            f"{prefix}order__status": OrderStatus.NEW,
        }
    )


def stock_holds(*, warehouse: Warehouse, product_ids, now: dt.datetime) -> dict[int, int]:
    rows = (
        PromiseReservationLine.objects.filter(
            live_hold_q(now, "reservation__"),
            reservation__warehouse=warehouse,
            product_id__in=list(product_ids),
        )
        .values("product_id")
        .annotate(n=Sum("quantity"))
        .order_by()
    )
    return {r["product_id"]: r["n"] for r in rows}


def _stock_rows(*, warehouse: Warehouse, ids: list[int], today: dt.date, now: dt.datetime):
    """Per product id: (units free now, [its inbound arrivals]). Three queries."""
    available = dict(
        Product.objects.filter(pk__in=ids)
        .annotate(**stock_totals(warehouse=warehouse))
        .values_list("pk", "available_qty")
    )
    holds = stock_holds(warehouse=warehouse, product_ids=ids, now=now)
    arrivals = purchase_inbound_arrivals(product_ids=ids, warehouse_ids=[warehouse.pk], today=today)
    return {
        pk: (
            available.get(pk, 0) - holds.get(pk, 0),
            [a for a in arrivals if a.product_id == pk],
        )
        for pk in ids
    }


def _stock_rows_quoted(
    *, warehouse: Warehouse, ids: list[int], today: dt.date, now, version: int | None = None
):
    """`_stock_rows` through the quote cache (promising.selectors.quotes), per SKU, keyed on
    the depot's quote version (holds, orders) and the stock ledger's head (any stock change).
    One query when every SKU is cached."""
    ttl = conf.get("PROMISING_QUOTE_CACHE_S")
    if ttl <= 0:
        return _stock_rows(warehouse=warehouse, ids=ids, today=today, now=now)
    if version is None:
        version = quote_version(warehouse.pk)
    version = f"{version}:{stock_ledger_head()}"
    keys = {f"promising:stock:{warehouse.pk}:{version}:{today}:{pk}": pk for pk in ids}
    rows = {}
    for key, pk in keys.items():
        found = memo_get(key)
        if found is not None:
            rows[pk] = found
    if len(rows) < len(ids):
        wanted = [key for key, pk in keys.items() if pk not in rows]
        rows.update({keys[key]: row for key, row in cache.get_many(wanted).items()})
    missing = [pk for pk in ids if pk not in rows]
    if missing:
        fresh = _stock_rows(warehouse=warehouse, ids=missing, today=today, now=now)
        cache.set_many({key: fresh[pk] for key, pk in keys.items() if pk in fresh}, ttl)
        rows.update(fresh)
    for key, pk in keys.items():
        memo_set(key, rows[pk], ttl)
    return rows


def stock_readiness(
    *,
    warehouse: Warehouse,
    items: list[Item],
    today: dt.date,
    now: dt.datetime,
    quoted: bool = False,
    version: int | None = None,
) -> list[ItemReadiness]:
    """Per item, the first day its quantity can leave `warehouse` (today when on hand), or
    None when neither stock nor open purchases cover it. Three queries, whatever the items;
    with `quoted`, read through the quote cache (holds re-check without it), at the depot's
    quote `version` when the caller read it already."""
    ids = [i.product.pk for i in items]
    if quoted:
        rows = _stock_rows_quoted(
            warehouse=warehouse, ids=ids, today=today, now=now, version=version
        )
    else:
        rows = _stock_rows(warehouse=warehouse, ids=ids, today=today, now=now)
    out = []
    for item in items:
        free, mine = rows[item.product.pk]
        ready, covering, supply = None, None, free
        if free >= item.quantity:
            ready = today
        else:
            for arrival in mine:
                supply += arrival.quantity
                if supply >= item.quantity:
                    ready = arrival.arrival_date + dt.timedelta(days=PUT_AWAY_DAYS)
                    covering = arrival
                    break
        out.append(
            ItemReadiness(
                item=item,
                available_now=free,
                on_order=sum(a.quantity for a in mine),
                ready_date=ready,
                arrival=covering,
            )
        )
    return out


def shortfall_reason(warehouse: Warehouse, readiness: list[ItemReadiness], last_day: dt.date):
    """The items that cannot leave by `last_day`: what is short and when more is expected."""
    short = [r for r in readiness if r.ready_date is None or r.ready_date > last_day]
    return {
        "code": "stock_shortfall",
        "warehouse": warehouse.code,
        "message": "Not enough stock for every item within the days asked.",
        "items": [
            {
                "sku": r.item.product.sku,
                "requested": r.item.quantity,
                "available": max(r.available_now, 0),
                "shortfall": r.shortfall,
                "on_order": r.on_order,
                "expected_date": r.ready_date.isoformat() if r.ready_date else None,
            }
            for r in short
        ],
    }
