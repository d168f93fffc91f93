"""Pages for warehouse staff: products, warehouses, stock operations, reports, CSV import."""

from inventory.views.catalog import (
    ProductDetailView,
    ProductListView,
    WarehouseDetailView,
    WarehouseListView,
)
from inventory.views.operations import (
    AdjustView,
    ConditionView,
    ReceiveView,
    ScrapView,
    TransferView,
)
from inventory.views.reports import ImportRunView, ImportView, ReportIndexView, ReportView

__all__ = [
    "AdjustView",
    "ConditionView",
    "ImportRunView",
    "ImportView",
    "ProductDetailView",
    "ProductListView",
    "ReceiveView",
    "ReportIndexView",
    "ReportView",
    "ScrapView",
    "TransferView",
    "WarehouseDetailView",
    "WarehouseListView",
]
