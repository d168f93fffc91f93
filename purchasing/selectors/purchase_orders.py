"""Purchase order reads: lists, one order with everything its pages show, and the units on
order per product and warehouse."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest

from inventory.models import Product, Warehouse
from inventory.selectors.stock import warehouses_today
from purchasing.models import (
    PurchaseOrder,
    PurchaseOrderEvent,
    PurchaseOrderLine,
    Supplier,
    SupplierProduct,
)

Status = PurchaseOrder.Status
# Lines of these orders are "on order" for stock planning (committed to the supplier or about to
# be); "pending" ones are planned but not committed, counted only so reorder does not repeat them.
ON_ORDER_STATES = (Status.APPROVED, Status.SENT, Status.CONFIRMED, Status.PARTIALLY_RECEIVED)
PENDING_STATES = (Status.DRAFT, Status.SUBMITTED)
OPEN_STATES = ON_ORDER_STATES

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
    today = warehouses_today()
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


# Separation of duties: whoever created, edited, submitted or amended an order (at any
# revision) had a hand in what the approver decides on, so they may not approve or reject it.
AUTHORING_EVENTS = {
    "created": "requested",
    "submitted": "submitted",
    "edited": "changed",
    "amended": "changed",
}


def purchase_order_authored_q(user) -> Q:
    """Orders this user had a hand in (see AUTHORING_EVENTS), as a filter on PurchaseOrder."""
    return (
        Q(requester=user)
        | Q(last_amended_by=user)
        | Exists(
            PurchaseOrderEvent.objects.filter(
                purchase_order=OuterRef("pk"), user=user, kind__in=list(AUTHORING_EVENTS)
            )
        )
    )


def purchase_order_user_part(*, po: PurchaseOrder, user) -> str | None:
    """What this user did to the order that bars them from deciding on it ("requested",
    "submitted" or "changed"), or None when they had no hand in it."""
    if user is None or not user.is_authenticated:
        return None
    if po.requester_id == user.pk:
        return "requested"
    if po.last_amended_by_id == user.pk:
        return "changed"
    kinds = set(
        PurchaseOrderEvent.objects.filter(
            purchase_order=po, user=user, kind__in=list(AUTHORING_EVENTS)
        ).values_list("kind", flat=True)
    )
    for kind, part in AUTHORING_EVENTS.items():
        if kind in kinds:
            return part
    return None


def purchase_orders_awaiting_approval(*, user) -> QuerySet[PurchaseOrder]:
    """Submitted orders this user may decide on: none they had a hand in."""
    return (
        purchase_order_list(status=Status.SUBMITTED)
        .exclude(purchase_order_authored_q(user))
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
