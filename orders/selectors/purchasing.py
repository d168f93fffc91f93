"""Purchasing reads: order lists, on-order quantities, supplier performance, cost advice and
reorder suggestions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from inventory.models import Product, Stock, Warehouse
from inventory.selectors import stock_available
from orders.models import PurchaseOrder, PurchaseOrderLine, Supplier, SupplierProduct

Status = PurchaseOrder.Status
# Lines of these orders are "on order" for stock planning (committed to the supplier or about to
# be); "pending" ones are planned but not committed, counted only so reorder does not repeat them.
ON_ORDER_STATES = (Status.APPROVED, Status.SENT, Status.CONFIRMED, Status.PARTIALLY_RECEIVED)
PENDING_STATES = (Status.DRAFT, Status.SUBMITTED)
OPEN_STATES = ON_ORDER_STATES
HUNDRED = Decimal(100)

# --- lists -------------------------------------------------------------------------------------


def purchase_order_list(
    *,
    status: str | None = None,
    supplier: Supplier | None = None,
    warehouse: Warehouse | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    overdue: bool | None = None,
    search: str = "",
) -> QuerySet[PurchaseOrder]:
    """Orders newest first with `due` (promised, else expected date) and `is_overdue` (due
    before today and goods still expected). Dates filter on the creation date."""
    today = timezone.localdate()
    qs = (
        PurchaseOrder.objects.select_related("supplier", "warehouse", "requester")
        .annotate(due=Coalesce("promised_date", "expected_date"))
        .annotate(
            is_overdue=Case(
                When(Q(due__lt=today) & Q(status__in=OPEN_STATES), then=Value(True)),
                default=Value(False),
            )
        )
        .order_by("-created_at", "-id")
    )
    if status:
        qs = qs.filter(status=status)
    if supplier:
        qs = qs.filter(supplier=supplier)
    if warehouse:
        qs = qs.filter(warehouse=warehouse)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    if overdue is not None:
        qs = qs.filter(is_overdue=overdue)
    if search:
        qs = qs.filter(Q(reference__icontains=search) | Q(supplier_reference__icontains=search))
    return qs


def purchase_orders_awaiting_approval(*, user) -> QuerySet[PurchaseOrder]:
    """Submitted orders this user may decide on: not requested or last changed by them."""
    return (
        purchase_order_list(status=Status.SUBMITTED)
        .exclude(requester=user)
        .exclude(last_amended_by=user)
        .order_by("submitted_at", "id")
    )


def purchase_order_detail(*, reference: str) -> PurchaseOrder:
    """One order with everything its page and API show, in a fixed number of queries."""
    from django.db.models import Prefetch

    return (
        PurchaseOrder.objects.select_related(
            "supplier", "warehouse", "requester", "last_amended_by"
        )
        .prefetch_related(
            Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("product")),
            "approvals__approver",
            "events__user",
            "receipts__lines__po_line__product",
            "receipts__lines__location",
            "receipts__received_by",
        )
        .get(reference=reference)
    )


def purchase_order_line_for_code(*, po: PurchaseOrder, code: str) -> PurchaseOrderLine | None:
    """The order line whose product SKU, barcode or supplier SKU is `code` (a scan)."""
    code = (code or "").strip()
    if not code:
        return None
    supplier_skus = SupplierProduct.objects.filter(
        supplier_id=po.supplier_id, supplier_sku__iexact=code
    ).values("product_id")
    return (
        po.lines.select_related("product")
        .filter(
            Q(product__sku__iexact=code)
            | Q(product__barcode=code)
            | Q(product_id__in=supplier_skus)
        )
        .first()
    )


# --- on order ----------------------------------------------------------------------------------


def _open_quantity():
    return Greatest(F("quantity") - F("quantity_received") - F("quantity_cancelled"), Value(0))


def purchase_on_order_quantities(
    *,
    product_ids=None,
    warehouse_ids=None,
    include_pending: bool = False,
) -> dict[tuple[int, int], int]:
    """Units ordered but not yet received per (product_id, warehouse_id): lines of approved,
    sent, confirmed and partially received orders (plus draft/submitted with
    `include_pending`). `None` means all. Registered with inventory.supply as the purchasing
    "on order" provider."""
    states = list(ON_ORDER_STATES) + (list(PENDING_STATES) if include_pending else [])
    qs = PurchaseOrderLine.objects.filter(purchase_order__status__in=states)
    if product_ids is not None:
        qs = qs.filter(product_id__in=list(product_ids))
    if warehouse_ids is not None:
        qs = qs.filter(purchase_order__warehouse_id__in=list(warehouse_ids))
    rows = (
        qs.values("product_id", "purchase_order__warehouse_id")
        .annotate(open=Sum(_open_quantity()))
        .order_by()
    )
    return {
        (row["product_id"], row["purchase_order__warehouse_id"]): int(row["open"])
        for row in rows
        if row["open"]
    }


def purchase_on_order_quantity(*, product: Product, warehouse: Warehouse | None = None) -> int:
    """Units of `product` on order (approved … partially received) for `warehouse` or all."""
    quantities = purchase_on_order_quantities(
        product_ids=[product.pk], warehouse_ids=[warehouse.pk] if warehouse else None
    )
    return sum(quantities.values())


# --- supplier performance ----------------------------------------------------------------------


@dataclass
class SupplierPerformance:
    supplier: Supplier
    orders: int = 0
    on_time: int = 0
    in_full: int = 0
    otif: int = 0
    with_due_date: int = 0
    lead_time_days: list[int] = field(default_factory=list)
    promised_lead_time_days: list[int] = field(default_factory=list)
    delay_days: list[int] = field(default_factory=list)
    paid: Decimal = Decimal("0")
    list_value: Decimal = Decimal("0")

    @staticmethod
    def _rate(part: int, whole: int) -> Decimal | None:
        return (Decimal(part) * HUNDRED / whole).quantize(Decimal("0.1")) if whole else None

    @staticmethod
    def _avg(values: list[int]) -> Decimal | None:
        return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1")) if values else None

    @property
    def on_time_rate(self) -> Decimal | None:
        """% of delivered orders completed on or before the promised (else expected) date."""
        return self._rate(self.on_time, self.with_due_date)

    @property
    def in_full_rate(self) -> Decimal | None:
        """% of delivered orders where every line arrived in the ordered quantity."""
        return self._rate(self.in_full, self.orders)

    @property
    def otif_rate(self) -> Decimal | None:
        return self._rate(self.otif, self.with_due_date)

    @property
    def avg_lead_time_days(self) -> Decimal | None:
        """Days from sending the order to the delivery that completed it."""
        return self._avg(self.lead_time_days)

    @property
    def avg_promised_lead_time_days(self) -> Decimal | None:
        return self._avg(self.promised_lead_time_days)

    @property
    def avg_delay_days(self) -> Decimal | None:
        """Lead-time accuracy: actual minus promised lead time, averaged (positive = late)."""
        return self._avg(self.delay_days)

    @property
    def price_variance_pct(self) -> Decimal | None:
        """What we paid against the supplier's list price when ordering, in % (+ = dearer)."""
        if not self.list_value:
            return None
        return ((self.paid - self.list_value) * HUNDRED / self.list_value).quantize(Decimal("0.01"))


def suppliers_performance(
    *,
    suppliers=None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> dict[int, SupplierPerformance]:
    """Performance per supplier id over orders delivered (received or closed) whose completing
    delivery fell in [date_from, date_to] (local dates; open ends allowed).

    Per order: on time = completed on or before the due date (promised, else expected; orders
    with neither are left out of the on-time and OTIF rates); in full = every line received at
    least its ordered quantity (a cancelled remainder is not in full); lead time = completion
    date minus sent date, promised lead time = due date minus sent date.
    """
    qs = PurchaseOrder.objects.filter(
        status__in=(Status.RECEIVED, Status.CLOSED), received_at__isnull=False
    ).prefetch_related("lines")
    if suppliers is not None:
        qs = qs.filter(supplier__in=suppliers)
    supplier_rows = {
        s.pk: s for s in (suppliers if suppliers is not None else Supplier.objects.all())
    }
    if date_from:
        qs = qs.filter(received_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(received_at__date__lte=date_to)
    result = {pk: SupplierPerformance(supplier=s) for pk, s in supplier_rows.items()}
    for po in qs:
        perf = result.get(po.supplier_id)
        if perf is None:
            continue
        done = timezone.localdate(po.received_at)
        lines = list(po.lines.all())
        perf.orders += 1
        in_full = all(line.quantity_received >= line.quantity for line in lines)
        perf.in_full += in_full
        due = po.due_date
        if due is not None:
            perf.with_due_date += 1
            on_time = done <= due
            perf.on_time += on_time
            perf.otif += on_time and in_full
        if po.sent_at:
            sent = timezone.localdate(po.sent_at)
            perf.lead_time_days.append((done - sent).days)
            if due is not None:
                perf.promised_lead_time_days.append((due - sent).days)
                perf.delay_days.append((done - due).days)
        for line in lines:
            qty = Decimal(line.quantity_received or line.quantity)
            perf.paid += qty * line.unit_cost
            perf.list_value += qty * line.list_unit_cost
    return result


def supplier_performance(
    *, supplier: Supplier, date_from: date | None = None, date_to: date | None = None
) -> SupplierPerformance:
    return suppliers_performance(suppliers=[supplier], date_from=date_from, date_to=date_to)[
        supplier.pk
    ]


# --- cost --------------------------------------------------------------------------------------


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


# --- reorder suggestions -----------------------------------------------------------------------


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
    suggestions = []
    for product in products:
        targets = homes.get(product.pk) or (
            {first_active.pk} if first_active and first_active.pk in warehouse_by_pk else set()
        )
        for warehouse_id in sorted(targets, key=lambda pk: warehouse_by_pk[pk].code):
            target = warehouse_by_pk[warehouse_id]
            available = stock_available(product=product, warehouse=target)
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
