"""Supplier prices: what a supplier sells us, at what cost, pack size and lead time."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.exceptions import ValidationFailed
from inventory.models import Product
from purchasing.models import Supplier, SupplierProduct
from purchasing.services.common import (
    field_error,
)


@transaction.atomic
def supplier_product_set(
    *,
    supplier: Supplier,
    product: Product,
    unit_cost: Decimal,
    pack_size: int = 1,
    min_order_qty: int = 1,
    lead_time_days: int | None = None,
    supplier_sku: str = "",
    is_preferred: bool = False,
    is_active: bool = True,
) -> SupplierProduct:
    """Create or update what `supplier` charges for `product`.

    Marking it preferred un-marks the product's previous preferred supplier in the same
    transaction (the partial unique index allows one per product).
    """
    errors = []
    if unit_cost is None or Decimal(unit_cost) < 0:
        errors.append(field_error("unit_cost", "The unit cost must be zero or more."))
    if pack_size is None or int(pack_size) < 1:
        errors.append(field_error("pack_size", "The pack size must be at least 1."))
    if min_order_qty is None or int(min_order_qty) < 1:
        errors.append(
            field_error("min_order_qty", "The minimum order quantity must be at least 1.")
        )
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)
    if is_preferred:
        SupplierProduct.objects.filter(product=product, is_preferred=True).exclude(
            supplier=supplier
        ).update(is_preferred=False, updated_at=timezone.now())
    row, _ = SupplierProduct.objects.update_or_create(
        supplier=supplier,
        product=product,
        defaults={
            "unit_cost": Decimal(unit_cost),
            "pack_size": int(pack_size),
            "min_order_qty": int(min_order_qty),
            "lead_time_days": lead_time_days,
            "supplier_sku": supplier_sku,
            "is_preferred": is_preferred,
            "is_active": is_active,
        },
    )
    return row
