"""Reads for inventory: warehouses and products by code/SKU (selectors.catalog), stock
availability (selectors.stock) and reports (selectors.reports)."""

from inventory.selectors.catalog import product_get_by_sku, warehouse_get_by_code  # noqa: F401
from inventory.selectors.stock import (  # noqa: F401
    available_to_promise,
    reservable_stock,
    reservations_for_demand,
    stock_available,
    stock_available_by,
    stock_find,
    stock_get,
    warehouse_today,
)
