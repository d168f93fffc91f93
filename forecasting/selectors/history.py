"""Daily history series read from the database: product demand and order volume per warehouse.

Days are the warehouse's local calendar days; the series end yesterday (today is not over) and
start on the first day with any activity in the last `HISTORY_DAYS`; days without activity are
zero.

Demand of a product = units shipped (inventory ledger moves of kind `ship` leaving the
warehouse, which `order_deliver` books for every delivered line) plus delivered customer order
lines that have no ship move (history imported without the ledger), minus units returned
(ledger kind `return` into the warehouse). The engine counts a negative day (returns larger than
sales) as zero and says so. Order volume = customer orders (stops) and their parcels by
delivery-window day, cancelled orders left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from django.db.models import CharField, Count, Exists, OuterRef, Sum, Value
from django.db.models.functions import Cast, Concat, TruncDate

from inventory.models import Stock, StockMove, Warehouse
from inventory.selectors.stock import warehouse_today
from orders.models import CustomerOrder, OrderLine, OrderStatus, Parcel

HISTORY_DAYS = 730


@dataclass
class DailySeries:
    start: date
    values: np.ndarray  # one value per day from `start` through the end date

    @property
    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(len(self.values))]


def history_end(warehouse: Warehouse) -> date:
    """The last complete local day: yesterday where the warehouse is."""
    return warehouse_today(warehouse) - timedelta(days=1)


def _bounds(warehouse: Warehouse, end: date, days: int) -> tuple[datetime, datetime]:
    tz = warehouse.tzinfo
    since = datetime.combine(end - timedelta(days=days - 1), time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    return since, until


def daily_fill(points: dict[date, float], *, end: date, start: date | None = None) -> DailySeries:
    """A dense series from `start` (default: the first day in `points`) through `end`, zero on
    days without a point. Points after `end` or before `start` are ignored."""
    days = [d for d in points if d <= end and (start is None or d >= start)]
    if start is None:
        if not days:
            return DailySeries(start=end + timedelta(days=1), values=np.zeros(0))
        start = min(days)
    values = np.zeros(max((end - start).days + 1, 0))
    for d in days:
        values[(d - start).days] += float(points[d])
    return DailySeries(start=start, values=values)


def demand_points(
    *, warehouse: Warehouse, end: date, product_ids=None, days: int = HISTORY_DAYS
) -> dict[int, dict[date, float]]:
    """Net units per product and local day (shipped - returned), for the `days` through `end`."""
    tz = warehouse.tzinfo
    since, until = _bounds(warehouse, end, days)
    points: dict[int, dict[date, float]] = defaultdict(lambda: defaultdict(float))

    moves = StockMove.objects.filter(created_at__gte=since, created_at__lt=until)
    if product_ids is not None:
        moves = moves.filter(product_id__in=list(product_ids))
    for kind, side, sign in (
        (StockMove.Kind.SHIP, "from_stock__location__warehouse", 1.0),
        (StockMove.Kind.RETURN, "to_stock__location__warehouse", -1.0),
    ):
        rows = (
            moves.filter(kind=kind, **{side: warehouse})
            .annotate(day=TruncDate("created_at", tzinfo=tz))
            .values("product_id", "day")
            .annotate(units=Sum("quantity"))
            .order_by()
        )
        for row in rows:
            points[row["product_id"]][row["day"]] += sign * row["units"]

    shipped = StockMove.objects.filter(kind=StockMove.Kind.SHIP, reference=OuterRef("demand"))
    lines = (
        OrderLine.objects.filter(
            order__warehouse=warehouse,
            order__delivered_at__gte=since,
            order__delivered_at__lt=until,
            quantity_delivered__gt=0,
        )
        .annotate(demand=Concat("order__reference", Value("#"), Cast("pk", CharField())))
        .filter(~Exists(shipped))
    )
    if product_ids is not None:
        lines = lines.filter(product_id__in=list(product_ids))
    rows = (
        lines.annotate(day=TruncDate("order__delivered_at", tzinfo=tz))
        .values("product_id", "day")
        .annotate(units=Sum("quantity_delivered"))
        .order_by()
    )
    for row in rows:
        points[row["product_id"]][row["day"]] += row["units"]
    return points


def stocked_product_ids(*, warehouse: Warehouse) -> set[int]:
    """Active products with a stock row in the warehouse (forecast even without sales)."""
    return set(
        Stock.objects.filter(location__warehouse=warehouse, product__is_active=True)
        .values_list("product_id", flat=True)
        .distinct()
    )


def demand_series(
    *, warehouse: Warehouse, end: date, product_ids=None, days: int = HISTORY_DAYS
) -> dict[int, DailySeries]:
    points = demand_points(warehouse=warehouse, end=end, product_ids=product_ids, days=days)
    return {pid: daily_fill(p, end=end) for pid, p in points.items()}


def volume_series(
    *, warehouse: Warehouse, end: date, days: int = HISTORY_DAYS
) -> dict[str, DailySeries]:
    """Stops (orders) and parcels per local delivery day; both start on the first order day."""
    tz = warehouse.tzinfo
    since, until = _bounds(warehouse, end, days)
    orders = CustomerOrder.objects.filter(
        warehouse=warehouse, window_start__gte=since, window_start__lt=until
    ).exclude(status=OrderStatus.CANCELLED)
    stops = {
        row["day"]: row["n"]
        for row in orders.annotate(day=TruncDate("window_start", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    }
    parcels = {
        row["day"]: row["n"]
        for row in Parcel.objects.filter(order__in=orders)
        .annotate(day=TruncDate("order__window_start", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    }
    if not stops:
        return {}
    start = min(stops)
    return {
        "stops": daily_fill(stops, end=end, start=start),
        "parcels": daily_fill(parcels, end=end, start=start),
    }
