"""What suppliers offer for a product: options cheapest first with delivery dates, and cost
advice on a purchase order's lines."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from inventory.models import Product
from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier, SupplierProduct


@dataclass
class SupplierOption:
    supplier_product: SupplierProduct
    earliest_date: date
    meets_date: bool
    is_cheapest: bool = False

    @property
    def supplier(self) -> Supplier:
        return self.supplier_product.supplier

    @property
    def unit_cost(self) -> Decimal:
        return self.supplier_product.unit_cost


def product_supplier_options(
    *, product: Product, needed_by: date | None = None, today: date | None = None
) -> list[SupplierOption]:
    """Every active supplier of `product`, cheapest first, with the earliest delivery date
    (today + lead time) and whether it meets `needed_by`."""
    options = supplier_options_by_product(
        product_ids=[product.pk], needed_by=needed_by, today=today
    )
    return options.get(product.pk, [])


def supplier_options_by_product(
    *, product_ids, needed_by: date | None = None, today: date | None = None
) -> dict[int, list[SupplierOption]]:
    """Active suppliers of each product (by product id), cheapest first, with the earliest
    delivery date and whether it meets `needed_by` (`product_supplier_options` for many)."""
    today = today or timezone.localdate()
    rows = (
        SupplierProduct.objects.filter(
            product_id__in=product_ids, is_active=True, supplier__is_active=True
        )
        .select_related("supplier", "product")
        .order_by("product_id", "unit_cost", "supplier__code")
    )
    options: dict[int, list[SupplierOption]] = defaultdict(list)
    for sp in rows:
        earliest = today + timedelta(days=sp.effective_lead_time_days)
        options[sp.product_id].append(
            SupplierOption(
                supplier_product=sp,
                earliest_date=earliest,
                meets_date=needed_by is None or earliest <= needed_by,
            )
        )
    for product_options in options.values():
        product_options[0].is_cheapest = True
    return options


@dataclass
class PriceComparison:
    """One of a supplier's prices beside the cheapest active offer of the same product."""

    price: SupplierProduct
    cheapest: SupplierProduct | None  # another supplier's cheaper offer, None when none is

    @property
    def difference_per_unit(self) -> Decimal | None:
        """How much more this supplier charges per unit than the cheapest (positive)."""
        if self.cheapest is None:
            return None
        return self.price.unit_cost - self.cheapest.unit_cost


def supplier_price_comparison(*, supplier: Supplier) -> list[PriceComparison]:
    """Every price of `supplier` (by SKU) with the cheapest active offer of another active
    supplier when that one is strictly cheaper (a tie leaves this supplier as cheapest)."""
    prices = list(
        SupplierProduct.objects.filter(supplier=supplier)
        .select_related("product", "supplier")
        .order_by("product__sku")
    )
    options = supplier_options_by_product(product_ids=[p.product_id for p in prices])
    rows = []
    for price in prices:
        others = [
            o.supplier_product
            for o in options.get(price.product_id, [])
            if o.supplier_product.supplier_id != supplier.pk
        ]
        cheapest = others[0] if others and others[0].unit_cost < price.unit_cost else None
        rows.append(PriceComparison(price=price, cheapest=cheapest))
    return rows


@dataclass
class LineCostAdvice:
    line: PurchaseOrderLine
    needed_by: date | None
    cheapest: SupplierOption | None
    saving_per_unit: Decimal
    saving_total: Decimal


def purchase_order_cost_advice(*, po: PurchaseOrder) -> list[LineCostAdvice]:
    """For each line not bought from the cheapest supplier that can deliver by the line's (else
    the order's) expected date: that supplier and the difference per unit and in total."""
    lines = list(po.lines.all())
    today = timezone.localdate()
    options = supplier_options_by_product(
        product_ids=[line.product_id for line in lines], today=today
    )
    advice = []
    for line in lines:
        needed_by = line.expected_date or po.expected_date
        candidates = [
            o
            for o in options.get(line.product_id, [])
            if needed_by is None
            or today + timedelta(days=o.supplier_product.effective_lead_time_days) <= needed_by
        ]
        if not candidates:
            continue
        best = candidates[0]
        if best.supplier_product.supplier_id == po.supplier_id or best.unit_cost >= line.unit_cost:
            continue
        per_unit = line.unit_cost - best.unit_cost
        advice.append(
            LineCostAdvice(
                line=line,
                needed_by=needed_by,
                cheapest=best,
                saving_per_unit=per_unit,
                saving_total=(per_unit * line.quantity).quantize(Decimal("0.01")),
            )
        )
    return advice
