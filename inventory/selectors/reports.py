"""Inventory reports. Each takes an optional base queryset (already filtered by StockFilter or
StockMoveFilter) and returns rows as dicts, aggregated in PostgreSQL.

Valuation uses the moving-average cost kept on `Product.unit_cost` (every receipt with a unit
cost re-averages it); value = on hand x unit cost.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.models import Product, Stock, StockCondition, StockMove, Warehouse
from inventory.selectors.stock import expired_q, sellable_q, warehouses_today
from inventory.supply import on_order_quantities

AGING_BUCKETS = [("0-30", 0, 30), ("31-90", 31, 90), ("91-180", 91, 180), (">180", 181, None)]

GROUPS = {
    "product": ["product_id", "product__sku", "product__name", "product__unit"],
    "warehouse": ["location__warehouse__code", "location__warehouse__name"],
    "location": ["location__warehouse__code", "location_id", "location__code", "location__kind"],
    "condition": ["condition"],
    "lot": ["lot__code", "lot__expires_at"],
}


def _zero():
    return Value(0)


def _base(stock: QuerySet[Stock] | None) -> QuerySet[Stock]:
    return Stock.objects.all() if stock is None else stock


def stock_summary(*, stock: QuerySet[Stock] | None = None, group_by=("product",)) -> QuerySet:
    """On hand by condition, reserved and available, grouped by any of product, warehouse,
    location, condition and lot (in the order given)."""
    keys = [key for group in group_by for key in GROUPS[group]]
    # A lot past its expiry counts as expired whatever its condition says (the columns add up
    # to on hand).
    expired = expired_q()
    condition_sums = {
        f"{condition}_qty": Coalesce(
            Sum("on_hand", filter=Q(condition=condition) & ~expired), _zero()
        )
        for condition in StockCondition.values
        if condition != StockCondition.EXPIRED
    }
    condition_sums["expired_qty"] = Coalesce(Sum("on_hand", filter=expired), _zero())
    return (
        _base(stock)
        .filter(on_hand__gt=0)
        .values(*keys)
        .annotate(
            available=Coalesce(Sum(F("on_hand") - F("reserved"), filter=sellable_q()), _zero()),
            reserved_qty=Sum("reserved"),
            **condition_sums,
        )
        .annotate(on_hand=Sum("on_hand"))
        .order_by(*keys)
    )


def atp_report(*, stock: QuerySet[Stock] | None = None) -> list[dict]:
    """Available-to-promise per product and warehouse: available now plus on order."""
    rows = list(
        _base(stock)
        .values(
            "product_id",
            "product__sku",
            "product__name",
            "location__warehouse_id",
            "location__warehouse__code",
        )
        .annotate(
            available=Coalesce(Sum(F("on_hand") - F("reserved"), filter=sellable_q()), _zero()),
            reserved_qty=Sum("reserved"),
        )
        .annotate(on_hand=Sum("on_hand"))
        .order_by("product__sku", "location__warehouse__code")
    )
    incoming = on_order_quantities(
        product_ids={r["product_id"] for r in rows},
        warehouse_ids={r["location__warehouse_id"] for r in rows},
    )
    for row in rows:
        row["unavailable"] = row["on_hand"] - row["reserved_qty"] - row["available"]
        row["on_order"] = incoming.get((row["product_id"], row["location__warehouse_id"]), 0)
        row["atp"] = row["available"] + row["on_order"]
    return rows


def _is_expired():
    return ExpressionWrapper(expired_q(), output_field=BooleanField())


def _arrival():
    return Coalesce(F("lot__received_at"), F("received_at"), output_field=DateTimeField())


def _bucket_case(now: datetime):
    whens = []
    for label, _low, high in AGING_BUCKETS:
        if high is None:
            continue
        whens.append(When(arrived__gt=now - timedelta(days=high + 1), then=Value(label)))
    return Case(*whens, default=Value(AGING_BUCKETS[-1][0]))


def aging_report(
    *, stock: QuerySet[Stock] | None = None, bucket: str | None = None, now: datetime | None = None
) -> tuple[QuerySet, list[dict]]:
    """Days in storage per lot (or per stock row without a lot), oldest first, and the units
    in each bucket (0-30, 31-90, 91-180, >180 days). Returns (rows, buckets)."""
    now = now or timezone.now()
    qs = (
        _base(stock)
        .filter(on_hand__gt=0)
        .annotate(arrived=_arrival())
        .annotate(bucket=_bucket_case(now))
    )
    summary = {
        row["bucket"]: row["qty"]
        for row in qs.values("bucket").annotate(qty=Sum("on_hand")).order_by()
    }
    buckets = [{"bucket": label, "quantity": summary.get(label, 0)} for label, *_ in AGING_BUCKETS]
    if bucket:
        qs = qs.filter(bucket=bucket)
    rows = (
        qs.values(
            "product__sku",
            "product__name",
            "location__warehouse__code",
            "lot__code",
            "lot__expires_at",
            "condition",
            "arrived",
            "bucket",
        )
        .annotate(on_hand=Sum("on_hand"), reserved_qty=Sum("reserved"))
        .order_by("arrived", "product__sku")
    )
    return rows, buckets


def aging_days(arrived: datetime, now: datetime | None = None) -> int:
    return max(((now or timezone.now()) - arrived).days, 0)


def expiring_lots(
    *, stock: QuerySet[Stock] | None = None, within_days: int = 30, today: date | None = None
) -> QuerySet:
    """Lots with units on hand expiring within `within_days` (already expired ones included,
    with negative days left), soonest first, per warehouse and condition."""
    today = today or warehouses_today()
    return (
        _base(stock)
        .filter(on_hand__gt=0, lot__expires_at__isnull=False)
        .filter(lot__expires_at__lte=today + timedelta(days=within_days))
        .values(
            "product__sku",
            "product__name",
            "lot__code",
            "lot__expires_at",
            "location__warehouse__code",
            "condition",
        )
        .annotate(on_hand=Sum("on_hand"), reserved_qty=Sum("reserved"))
        .order_by("lot__expires_at", "product__sku", "location__warehouse__code")
    )


def low_stock(
    *, warehouse: Warehouse | None = None, products: QuerySet | None = None
) -> list[dict]:
    """Active products whose available units plus units on order are below the reorder point
    (in one warehouse, or all together). Suggests max(reorder_qty, the shortfall)."""
    stock_q = sellable_q("stock__")
    if warehouse is not None:
        stock_q &= Q(stock__location__warehouse=warehouse)
    qs = (products if products is not None else Product.objects.all()).filter(
        is_active=True, reorder_point__gt=0
    )
    qs = qs.annotate(
        available=Coalesce(Sum(F("stock__on_hand") - F("stock__reserved"), filter=stock_q), _zero())
    ).order_by("sku")
    candidates = list(
        qs.values(
            "id",
            "sku",
            "name",
            "unit",
            "reorder_point",
            "reorder_qty",
            "preferred_supplier_code",
            "available",
        )
    )
    incoming = on_order_quantities(
        product_ids={c["id"] for c in candidates},
        warehouse_ids={warehouse.pk} if warehouse is not None else None,
    )
    on_order: dict[int, int] = {}
    for (product_id, _warehouse_id), quantity in incoming.items():
        on_order[product_id] = on_order.get(product_id, 0) + quantity
    rows = []
    for row in candidates:
        row["on_order"] = on_order.get(row["id"], 0)
        position = row["available"] + row["on_order"]
        if position < row["reorder_point"]:
            row["shortfall"] = row["reorder_point"] - position
            row["suggested_qty"] = max(row["reorder_qty"], row["shortfall"])
            rows.append(row)
    return rows


def stock_valuation(
    *, stock: QuerySet[Stock] | None = None, group_by=("product",)
) -> tuple[QuerySet, Decimal]:
    """On-hand value at moving-average cost, grouped; returns (rows, total value)."""
    keys = [key for group in group_by for key in GROUPS[group]]
    value = ExpressionWrapper(
        F("on_hand") * F("product__unit_cost"),
        output_field=DecimalField(max_digits=20, decimal_places=4),
    )
    base = _base(stock).filter(on_hand__gt=0)
    rows = (
        base.values(*keys, "product__unit_cost" if "product_id" in keys else "product__currency")
        .annotate(value=Sum(value))
        .annotate(on_hand=Sum("on_hand"))
        .order_by(*keys)
    )
    total = base.aggregate(total=Sum(value))["total"] or Decimal("0")
    return rows, total


def movement_history(*, moves: QuerySet[StockMove] | None = None) -> QuerySet[StockMove]:
    """Ledger rows newest first, with what a reader needs joined in."""
    qs = StockMove.objects.all() if moves is None else moves
    return qs.select_related(
        "product", "lot", "from_location__warehouse", "to_location__warehouse", "user"
    ).order_by("-created_at", "-id")


def product_stock_rows(*, product: Product) -> QuerySet[Stock]:
    """A product's non-empty stock rows by warehouse, location, condition; `is_expired` says
    whether the row's units are expired (see selectors.stock.expired_q)."""
    return (
        Stock.objects.filter(product=product, on_hand__gt=0)
        .select_related("location__warehouse", "lot")
        .annotate(arrived=_arrival(), is_expired=_is_expired())
        .order_by("location__warehouse__code", "location__code", "condition", "lot__expires_at")
    )


def product_lots(*, product: Product) -> QuerySet:
    """Lots of a product with units on hand, age and expiry."""
    return (
        product.lots.filter(stock__on_hand__gt=0)
        .annotate(on_hand=Sum("stock__on_hand"), reserved_qty=Sum("stock__reserved"))
        .order_by("expires_at", "received_at")
    )


def warehouse_contents(*, warehouse: Warehouse, kind: str | None = None) -> tuple[list, QuerySet]:
    """A warehouse's locations with their totals, and its non-empty stock rows ordered by
    location (a queryset, so pages can paginate it)."""
    locations = warehouse.locations.annotate(
        on_hand=Coalesce(Sum("stock__on_hand"), _zero()),
        reserved_qty=Coalesce(Sum("stock__reserved"), _zero()),
    ).order_by("code")
    rows = (
        Stock.objects.filter(location__warehouse=warehouse, on_hand__gt=0)
        .select_related("product", "lot", "location")
        .annotate(is_expired=_is_expired())
        .order_by("location__code", "product__sku", "condition", "pk")
    )
    if kind:
        locations = locations.filter(kind=kind)
        rows = rows.filter(location__kind=kind)
    return list(locations), rows


def inventory_counts() -> dict:
    """Small numbers for the dashboard."""
    today = warehouses_today()
    soon = today + timedelta(days=30)
    stock = Stock.objects.filter(on_hand__gt=0)
    return {
        "unsellable": stock.filter(~Q(condition=StockCondition.GOOD) | expired_q()).aggregate(
            total=Coalesce(Sum("on_hand"), _zero(), output_field=IntegerField())
        )["total"],
        "expiring_lots": stock.filter(lot__expires_at__lte=soon)
        .values("lot_id")
        .distinct()
        .count(),
    }
