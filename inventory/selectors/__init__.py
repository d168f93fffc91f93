"""Reads for inventory: stock availability (selectors.stock) and reports (selectors.reports)."""

from inventory.selectors.stock import (  # noqa: F401
    available_to_promise,
    reservable_stock,
    reservations_for_demand,
    stock_available,
    stock_get,
    warehouse_today,
)
