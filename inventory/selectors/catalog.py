"""Warehouses and products by the names people and partners use for them (code, SKU)."""

from __future__ import annotations

from core.exceptions import DomainError, NotFound
from inventory.models import Product, Warehouse


def warehouse_get_by_code(
    *,
    code: str,
    field: str = "warehouse",
    active_only: bool = False,
    missing: type[DomainError] = NotFound,
) -> Warehouse:
    """The warehouse with this code (only an active one when `active_only`). Unknown: NotFound
    (404) naming `field`; pass `missing=ValidationFailed` where the code comes from a request
    body, which answers 422 for an unknown reference."""
    warehouses = Warehouse.objects.filter(code=code)
    if active_only:
        warehouses = warehouses.filter(is_active=True)
    warehouse = warehouses.first() if code else None
    if warehouse is None:
        state = "active " if active_only else ""
        raise missing(f"Unknown {state}warehouse '{code}'.", field=field, code="not_found")
    return warehouse


def product_get_by_sku(
    *, sku: str, field: str = "product", missing: type[DomainError] = NotFound
) -> Product:
    """The product with this SKU. Unknown: NotFound (404) naming `field`, or `missing` (e.g.
    ValidationFailed, 422, for a reference in a request body)."""
    product = Product.objects.filter(sku=sku).first() if sku else None
    if product is None:
        raise missing(f"Unknown product '{sku}'.", field=field, code="not_found")
    return product
