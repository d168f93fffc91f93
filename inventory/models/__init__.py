"""Inventory: warehouses (also routing depots), locations, products, lots, stock and its ledger.

Invariants the database enforces (CHECK / UNIQUE), services rely on them too:

* `Stock`: one row per (product, location, lot, condition) — lot NULL counts as one value —
  with `on_hand >= 0` and `0 <= reserved <= on_hand`.
* `StockMove` is append-only: a trigger (migration 0002) refuses UPDATE and DELETE. Its
  quantity leaves `from_stock` and enters `to_stock`, so for every stock row
  Σ(moves into it) - Σ(moves out of it) == on_hand (`manage.py inventory_check` verifies).
  Moves that do not change on_hand (reserve, release) name the same row on both sides.
* `Reservation` rows in state reserved/picked add up to `Stock.reserved` of the row they point at.
"""

from inventory.models.access import PartnerWarehouse
from inventory.models.catalog import (
    CODE_RE,
    PRODUCT_ATTRIBUTES,
    Location,
    Product,
    Warehouse,
    barcode_validator,
    code_validator,
    normalise_code,
    sku_validator,
    validate_timezone,
)
from inventory.models.stock import Lot, Reservation, Stock, StockCondition, StockMove

__all__ = [
    "CODE_RE",
    "PRODUCT_ATTRIBUTES",
    "Location",
    "Lot",
    "PartnerWarehouse",
    "Product",
    "Reservation",
    "Stock",
    "StockCondition",
    "StockMove",
    "Warehouse",
    "barcode_validator",
    "code_validator",
    "normalise_code",
    "sku_validator",
    "validate_timezone",
]
