"""The report catalogue: one definition per report, shared by its page, CSV export and API.

Each spec names its filter set (query parameters, validated by django-filter), its columns and
the selector call that produces rows (dicts keyed by column) plus extras (totals, buckets).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from core import timefmt
from inventory.filters import StockFilter, StockMoveFilter
from inventory.models import Product, Stock, StockMove, Warehouse
from inventory.selectors import reports as selectors
from inventory.selectors.stock import warehouses_today

GROUP_CHOICES = [
    ("product", "Product"),
    ("warehouse", "Warehouse"),
    ("location", "Location"),
    ("condition", "Condition"),
    ("lot", "Lot"),
]


class StockSummaryFilter(StockFilter):
    group_by = django_filters.MultipleChoiceFilter(
        choices=GROUP_CHOICES,
        method=lambda qs, name, value: qs,
        label="Group by",
        widget=forms.SelectMultiple(attrs={"size": 3}),
    )


class AgingFilter(StockFilter):
    bucket = django_filters.ChoiceFilter(
        choices=[(label, f"{label} days") for label, *_ in selectors.AGING_BUCKETS],
        method=lambda qs, name, value: qs,
        label="Age",
    )


class ExpiringFilter(StockFilter):
    days = django_filters.NumberFilter(
        method=lambda qs, name, value: qs, label="Within days", min_value=0, max_value=3650
    )


class ValuationFilter(StockFilter):
    group_by = django_filters.ChoiceFilter(
        choices=GROUP_CHOICES[:4], method=lambda qs, name, value: qs, label="Group by"
    )


class LowStockFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="_search", label="Product")
    warehouse = django_filters.ModelChoiceFilter(
        to_field_name="code",
        queryset=Warehouse.objects.all(),
        method=lambda qs, name, value: qs,
        empty_label="All warehouses",
    )

    class Meta:
        model = Product
        fields: list[str] = []

    def _search(self, queryset, name, value):
        return queryset.filter(Q(sku__icontains=value) | Q(name__icontains=value))


@dataclass
class ReportSpec:
    slug: str
    title: str
    description: str
    filterset: type
    run: Callable[[dict, object], tuple[ReportRows, dict]]
    columns: Callable[[dict], list[tuple[str, str]]]
    numeric: set[str] = field(default_factory=set)


# Columns shown right-aligned (numbers).
NUMERIC_COLUMNS = {
    "on_hand",
    "reserved_qty",
    "available",
    "unavailable",
    "on_order",
    "atp",
    "good_qty",
    "damaged_qty",
    "quarantined_qty",
    "expired_qty",
    "days",
    "days_left",
    "reorder_point",
    "shortfall",
    "suggested_qty",
    "product__unit_cost",
    "value",
    "quantity",
}

_GROUP_COLUMNS = {
    "product": [("product__sku", "SKU"), ("product__name", "Product"), ("product__unit", "Unit")],
    "warehouse": [("location__warehouse__code", "Warehouse")],
    "location": [
        ("location__warehouse__code", "Warehouse"),
        ("location__code", "Location"),
        ("location__kind", "Kind"),
    ],
    "condition": [("condition", "Condition")],
    "lot": [("lot__code", "Lot"), ("lot__expires_at", "Expires")],
}


def _group_columns(groups) -> list[tuple[str, str]]:
    columns: list[tuple[str, str]] = []
    for group in groups:
        for column in _GROUP_COLUMNS[group]:
            if column not in columns:
                columns.append(column)
    return columns


def _groups(data, default=("product",)):
    value = data.get("group_by") or default
    return [value] if isinstance(value, str) else list(value)


def _stock_summary(data, fs):
    return ReportRows(selectors.stock_summary(stock=fs.qs, group_by=_groups(data))), {}


def _stock_summary_columns(data):
    return _group_columns(_groups(data)) + [
        ("good_qty", "Good"),
        ("damaged_qty", "Damaged"),
        ("quarantined_qty", "Quarantined"),
        ("expired_qty", "Expired"),
        ("on_hand", "On hand"),
        ("reserved_qty", "Reserved"),
        ("available", "Available"),
    ]


class ReportRows:
    """Report rows over a queryset (or list), turned into dicts only for the slice shown: the
    paginator's LIMIT/OFFSET runs in SQL and CSV export streams with `iterator()`."""

    def __init__(self, source, decorate=None):
        self.source = source
        self.decorate = decorate or (lambda row: row)

    def count(self) -> int:
        return self.source.count() if hasattr(self.source, "query") else len(self.source)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        if isinstance(item, slice):
            return [self.decorate(row) for row in self.source[item]]
        return self.decorate(self.source[item])

    def __iter__(self):
        rows = (
            self.source.iterator(chunk_size=2000) if hasattr(self.source, "query") else self.source
        )
        return (self.decorate(row) for row in rows)


def _aging(data, fs):
    rows, buckets = selectors.aging_report(stock=fs.qs, bucket=data.get("bucket") or None)
    now = timezone.now()

    def decorate(row):
        row["days"] = selectors.aging_days(row["arrived"], now)
        row["received"] = timezone.localtime(row["arrived"]).date()
        return row

    return ReportRows(rows, decorate), {"buckets": buckets}


def _expiring(data, fs):
    days = int(data.get("days") if data.get("days") is not None else 30)
    today = warehouses_today()
    rows = selectors.expiring_lots(stock=fs.qs, within_days=days, today=today)

    def decorate(row):
        row["days_left"] = (row["lot__expires_at"] - today).days
        return row

    return ReportRows(rows, decorate), {"within_days": days}


def _valuation(data, fs):
    groups = _groups(data)
    rows, total = selectors.stock_valuation(stock=fs.qs, group_by=groups)
    return ReportRows(rows), {"total_value": total}


def _valuation_columns(data):
    groups = _groups(data)
    extra = [("product__unit_cost", "Unit cost")] if "product" in groups else []
    return _group_columns(groups) + [("on_hand", "On hand"), *extra, ("value", "Value (EUR)")]


def _move_row(move) -> dict:
    return {
        "id": move.pk,
        "created_at": timefmt.stamp(move.created_at, move.warehouse),
        "kind": move.kind,
        "product__sku": move.product.sku,
        "lot__code": move.lot.code if move.lot_id else "",
        "quantity": move.quantity,
        "from": str(move.from_location) if move.from_location_id else "",
        "to": str(move.to_location) if move.to_location_id else "",
        "from_condition": move.from_condition,
        "to_condition": move.to_condition,
        "reference": move.reference,
        "reason": move.reason,
        "user": move.user.username if move.user_id else "",
    }


def _history(data, fs):
    return ReportRows(selectors.movement_history(moves=fs.qs), _move_row), {}


# Column groups several reports share.
_PRODUCT = [("product__sku", "SKU"), ("product__name", "Product")]
_HELD = [("on_hand", "On hand"), ("reserved_qty", "Reserved")]

REPORTS: dict[str, ReportSpec] = {
    spec.slug: spec
    for spec in (
        ReportSpec(
            "stock",
            "Stock by product, warehouse, location and condition",
            "Units on hand per condition, reserved and available, grouped as you choose.",
            StockSummaryFilter,
            _stock_summary,
            _stock_summary_columns,
        ),
        ReportSpec(
            "available-to-promise",
            "Available to promise",
            "Per product and warehouse: good sellable units not reserved, plus units on order.",
            StockFilter,
            lambda data, fs: (ReportRows(selectors.atp_report(stock=fs.qs)), {}),
            lambda data: [
                *_PRODUCT,
                ("location__warehouse__code", "Warehouse"),
                *_HELD,
                ("unavailable", "Unsellable"),
                ("available", "Available"),
                ("on_order", "On order"),
                ("atp", "ATP"),
            ],
        ),
        ReportSpec(
            "aging",
            "Stock aging",
            "Days in storage per lot (stock without a lot: since its oldest unit arrived).",
            AgingFilter,
            _aging,
            lambda data: [
                *_PRODUCT,
                ("location__warehouse__code", "Warehouse"),
                ("lot__code", "Lot"),
                ("condition", "Condition"),
                ("received", "Received"),
                ("days", "Days"),
                ("bucket", "Bucket"),
                *_HELD,
            ],
        ),
        ReportSpec(
            "expiring-lots",
            "Expiring lots",
            "Lots with stock that expire within the chosen number of days, or already expired.",
            ExpiringFilter,
            _expiring,
            lambda data: [
                *_PRODUCT,
                ("lot__code", "Lot"),
                ("lot__expires_at", "Expires"),
                ("days_left", "Days left"),
                ("location__warehouse__code", "Warehouse"),
                ("condition", "Condition"),
                *_HELD,
            ],
        ),
        ReportSpec(
            "low-stock",
            "Low stock",
            "Active products whose available plus on-order units are below their reorder point.",
            LowStockFilter,
            lambda data, fs: (
                ReportRows(selectors.low_stock(warehouse=data.get("warehouse"), products=fs.qs)),
                {},
            ),
            lambda data: [
                ("sku", "SKU"),
                ("name", "Product"),
                ("available", "Available"),
                ("on_order", "On order"),
                ("reorder_point", "Reorder point"),
                ("shortfall", "Shortfall"),
                ("suggested_qty", "Suggested order"),
                ("preferred_supplier_code", "Supplier"),
            ],
        ),
        ReportSpec(
            "valuation",
            "Stock valuation",
            "Units on hand at moving-average cost (every receipt with a cost re-averages it).",
            ValuationFilter,
            _valuation,
            _valuation_columns,
        ),
        ReportSpec(
            "history",
            "Movement history",
            "Every ledger row: receipts, transfers, adjustments, counts, reservations, picks, "
            "shipments, returns and scrap, newest first.",
            StockMoveFilter,
            _history,
            lambda data: [
                ("created_at", "Time"),
                ("kind", "Kind"),
                ("product__sku", "SKU"),
                ("lot__code", "Lot"),
                ("quantity", "Qty"),
                ("from", "From"),
                ("from_condition", "From cond."),
                ("to", "To"),
                ("to_condition", "To cond."),
                ("reference", "Reference"),
                ("reason", "Reason"),
                ("user", "User"),
            ],
        ),
    )
}


BASE_QUERYSETS = {
    StockMoveFilter: lambda: StockMove.objects.all(),
    LowStockFilter: lambda: Product.objects.all(),
}


def report_filterset(spec: ReportSpec, params):
    queryset = BASE_QUERYSETS.get(spec.filterset, lambda: Stock.objects.all())()
    return spec.filterset(params, queryset=queryset)
