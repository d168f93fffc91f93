"""Daily history series read from the database: product demand and order volume per warehouse.

Days are the warehouse's local calendar days; the series end yesterday (today is not over) and
start on the first day with any activity in the last `HISTORY_DAYS`; days without activity are
zero.

Demand of a product = units delivered to customers on the day they were delivered (delivered
customer order lines by the order's `delivered_at`) minus units returned (ledger kind `return`
into the warehouse). Not the ledger's `ship` moves: they are booked when the delivery is
recorded, which for a delivery recorded later (a driver offline, history brought in without a
ledger, the demo's past days) is not the day the customer got the goods; and every shipment
is a customer order line's. The engine counts a negative day (returns larger than
sales) as zero and says so. Order volume = customer orders (stops) and their parcels by
delivery-window day, cancelled orders left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

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
    """Net units per product and local day (delivered - returned), for the `days` through `end`."""
    tz = warehouse.tzinfo
    since, until = _bounds(warehouse, end, days)
    points: dict[int, dict[date, float]] = defaultdict(lambda: defaultdict(float))

    moves = StockMove.objects.filter(created_at__gte=since, created_at__lt=until)
    if product_ids is not None:
        moves = moves.filter(product_id__in=list(product_ids))
    returns = (
        moves.filter(kind=StockMove.Kind.RETURN, to_stock__location__warehouse=warehouse)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("product_id", "day")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    for row in returns:
        points[row["product_id"]][row["day"]] -= row["units"]

    lines = OrderLine.objects.filter(
        order__warehouse=warehouse,
        order__delivered_at__gte=since,
        order__delivered_at__lt=until,
        quantity_delivered__gt=0,
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
