"""Goods on their way: open purchase-order lines with the day they are likely to arrive, the
supplier's measured lateness applied to the date it promised (for promising delivery dates)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import F

from purchasing.models import PurchaseOrderLine
from purchasing.selectors.performance import suppliers_performance
from purchasing.selectors.purchase_orders import ON_ORDER_STATES, _open_quantity

# Supplier performance reads every delivered purchase order; its numbers move once a day at
# most, so a promise computed many times a second reads them from the cache.
LATENESS_CACHE_KEY = "purchasing:supplier-lateness:v1:{}"
LATENESS_CACHE_S = 600


@dataclass(frozen=True)
class SupplierLateness:
    delay_days: Decimal | None  # average actual minus promised lead time (positive = late)
    on_time_rate: Decimal | None  # % of delivered orders on or before their due date


@dataclass(frozen=True)
class InboundArrival:
    product_id: int
    warehouse_id: int
    quantity: int
    purchase_order: str
    supplier_id: int
    due_date: date  # the supplier's promised date, else the line's, else the order's expected
    arrival_date: date  # due date + the supplier's measured lateness, never before today
    lateness: SupplierLateness


def supplier_lateness(*, supplier_ids: set[int]) -> dict[int, SupplierLateness]:
    """Each supplier's measured lateness (purchasing.selectors.performance), cached."""
    out: dict[int, SupplierLateness] = {}
    missing = []
    for pk in supplier_ids:
        hit = cache.get(LATENESS_CACHE_KEY.format(pk))
        if hit is None:
            missing.append(pk)
        else:
            out[pk] = SupplierLateness(*hit)
    if missing:
        from purchasing.models import Supplier

        perf = suppliers_performance(suppliers=list(Supplier.objects.filter(pk__in=missing)))
        for pk in missing:
            p = perf.get(pk)
            value = (p.avg_delay_days, p.on_time_rate) if p else (None, None)
            cache.set(LATENESS_CACHE_KEY.format(pk), value, LATENESS_CACHE_S)
            out[pk] = SupplierLateness(*value)
    return out


def purchase_inbound_arrivals(
    *, product_ids, warehouse_ids=None, today: date
) -> list[InboundArrival]:
    """Open units (approved … partially received) per purchase-order line of these products,
    earliest arrival first. The arrival is the due date (the supplier's promised date, else
    the line's expected date, else the order's, else today + the supplier's lead time) moved
    later by the supplier's average measured delay when it is late on average (an early
    supplier's goods are not counted early), and never before `today`."""
    qs = (
        PurchaseOrderLine.objects.filter(
            purchase_order__status__in=ON_ORDER_STATES, product_id__in=list(product_ids)
        )
        .annotate(open=_open_quantity())
        .filter(open__gt=0)
        .values(
            "product_id",
            "open",
            "expected_date",
            warehouse_id=F("purchase_order__warehouse_id"),
            reference=F("purchase_order__reference"),
            supplier_id=F("purchase_order__supplier_id"),
            po_promised=F("purchase_order__promised_date"),
            po_expected=F("purchase_order__expected_date"),
            lead_time_days=F("purchase_order__supplier__lead_time_days"),
        )
    )
    if warehouse_ids is not None:
        qs = qs.filter(purchase_order__warehouse_id__in=list(warehouse_ids))
    rows = list(qs)
    lateness = supplier_lateness(supplier_ids={r["supplier_id"] for r in rows})
    out = []
    for r in rows:
        late = lateness[r["supplier_id"]]
        due = (
            r["po_promised"]
            or r["expected_date"]
            or r["po_expected"]
            or today + timedelta(days=r["lead_time_days"])
        )
        delay = math.ceil(late.delay_days) if late.delay_days and late.delay_days > 0 else 0
        out.append(
            InboundArrival(
                product_id=r["product_id"],
                warehouse_id=r["warehouse_id"],
                quantity=int(r["open"]),
                purchase_order=r["reference"],
                supplier_id=r["supplier_id"],
                due_date=due,
                arrival_date=max(due + timedelta(days=delay), today),
                lateness=late,
            )
        )
    out.sort(key=lambda a: (a.arrival_date, a.purchase_order))
    return out
