"""Reorder suggestions under the fixed policy (the product's reorder point) and the order
quantity and supplier rules shared with forecasting's policy."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from inventory.models import Product, Stock, Warehouse
from inventory.selectors import stock_available_by
from purchasing.models import PurchaseOrderLine, Supplier, SupplierProduct
from purchasing.selectors.purchase_orders import purchase_on_order_quantities
from purchasing.selectors.suppliers import SupplierOption, supplier_options_by_product


@dataclass
class ReorderSuggestion:
    product: Product
    warehouse: Warehouse
    available: int
    on_order: int
    reorder_point: int
    quantity: int
    supplier_product: SupplierProduct | None
    reason: str = ""

    @property
    def supplier(self) -> Supplier | None:
        return self.supplier_product.supplier if self.supplier_product else None

    @property
    def line_total(self) -> Decimal:
        if not self.supplier_product:
            return Decimal("0")
        return (self.supplier_product.unit_cost * self.quantity).quantize(Decimal("0.01"))


def reorder_quantity(
    *, shortfall: int, reorder_qty: int, min_order_qty: int, pack_size: int
) -> int:
    """The product's reorder quantity (at least the shortfall below the reorder point), raised
    to the supplier's minimum order and rounded up to whole packs."""
    quantity = max(reorder_qty, shortfall, min_order_qty, 1)
    return -(-quantity // pack_size) * pack_size


def supplier_product_choice(
    *, product: Product, options: list[SupplierOption]
) -> SupplierProduct | None:
    """Preferred supplier row, else the product's preferred_supplier_code, else the cheapest."""
    if not options:
        return None
    for option in options:
        if option.supplier_product.is_preferred:
            return option.supplier_product
    if product.preferred_supplier_code:
        for option in options:
            if option.supplier.code == product.preferred_supplier_code:
                return option.supplier_product
    return options[0].supplier_product


def reorder_suggestions(*, warehouse: Warehouse | None = None) -> list[ReorderSuggestion]:
    """Products whose available stock plus units on order (including draft and submitted orders,
    so accepting a suggestion makes it disappear) is below the reorder point, per warehouse.

    A product is considered in the warehouses it has stock rows or purchase lines in; one never
    stocked anywhere is considered in the first active warehouse. The quantity is
    `reorder_quantity(...)`; the supplier is the preferred one, else the cheapest active one.
    """
    warehouses = list(
        Warehouse.objects.filter(is_active=True, **({"pk": warehouse.pk} if warehouse else {}))
    )
    if not warehouses:
        return []
    warehouse_by_pk = {w.pk: w for w in warehouses}
    products = list(Product.objects.filter(is_active=True, reorder_point__gt=0).order_by("sku"))
    if not products:
        return []
    product_ids = [p.pk for p in products]
    homes: dict[int, set[int]] = defaultdict(set)
    for product_id, warehouse_id in (
        Stock.objects.filter(product_id__in=product_ids, location__warehouse__in=warehouses)
        .values_list("product_id", "location__warehouse_id")
        .distinct()
    ):
        homes[product_id].add(warehouse_id)
    for product_id, warehouse_id in (
        PurchaseOrderLine.objects.filter(
            product_id__in=product_ids, purchase_order__warehouse__in=warehouses
        )
        .values_list("product_id", "purchase_order__warehouse_id")
        .distinct()
    ):
        homes[product_id].add(warehouse_id)
    first_active = Warehouse.objects.filter(is_active=True).order_by("code").first()
    on_order = purchase_on_order_quantities(
        product_ids=product_ids, warehouse_ids=list(warehouse_by_pk), include_pending=True
    )
    options = supplier_options_by_product(product_ids=product_ids)
    stock = stock_available_by(product_ids=product_ids, warehouses=warehouses)
    suggestions = []
    for product in products:
        targets = homes.get(product.pk) or (
            {first_active.pk} if first_active and first_active.pk in warehouse_by_pk else set()
        )
        for warehouse_id in sorted(targets, key=lambda pk: warehouse_by_pk[pk].code):
            target = warehouse_by_pk[warehouse_id]
            available = stock.get((product.pk, warehouse_id), 0)
            incoming = on_order.get((product.pk, warehouse_id), 0)
            position = available + incoming
            if position >= product.reorder_point:
                continue
            choice = supplier_product_choice(product=product, options=options.get(product.pk, []))
            shortfall = product.reorder_point - position
            quantity = reorder_quantity(
                shortfall=shortfall,
                reorder_qty=product.reorder_qty,
                min_order_qty=choice.min_order_qty if choice else 1,
                pack_size=choice.pack_size if choice else 1,
            )
            suggestions.append(
                ReorderSuggestion(
                    product=product,
                    warehouse=target,
                    available=available,
                    on_order=incoming,
                    reorder_point=product.reorder_point,
                    quantity=quantity,
                    supplier_product=choice,
                    reason="" if choice else "No active supplier sells this product.",
                )
            )
    return suggestions
