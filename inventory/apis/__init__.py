"""Inventory API (/api/v1/): reference data, stock, stock operations, reports, CSV imports."""
