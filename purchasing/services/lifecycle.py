"""Creating and changing purchase orders: create, edit a draft or rejected order, amend an
approved one (a new revision, back to approval when needed). Approval lives in approval.py, the
supplier side (send, confirm, cancel, close) in sending.py, receiving in receiving.py."""

from __future__ import annotations

import types
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.template.defaultfilters import pluralize

from core.exceptions import Conflict, ValidationFailed
from core.references import reference_next
from inventory.models import Product, Warehouse
from inventory.selectors.stock import warehouse_today
from purchasing.models import Approval, PurchaseOrder, PurchaseOrderLine, Supplier, SupplierProduct
from purchasing.services.common import (
    AMENDABLE_STATES,
    EDIT_TRANSITIONS,
    EDITABLE_STATES,
    Status,
    approval_record,
    field_error,
    needs_approval,
    po_event,
    po_lock,
    po_move,
    po_total,
    quantity_max_for,
    supplier_email_on_commit,
)

# --- lines -------------------------------------------------------------------------------------


def _lines_clean(*, supplier: Supplier, lines: list[dict]) -> list[dict]:
    """Check every line against what the supplier sells; raise one 422 listing every problem.

    Quantities below the minimum order or not a whole number of packs are refused (not merely
    warned about): the supplier would not ship them, so the order would be wrong from the start.
    """
    if not lines:
        raise ValidationFailed("A purchase order needs at least one line.", field="lines")
    products = [line.get("product") for line in lines]
    prices = {
        sp.product_id: sp
        for sp in SupplierProduct.objects.filter(
            supplier=supplier, product__in=[p for p in products if isinstance(p, Product)]
        )
    }
    errors: list[dict] = []
    cleaned: list[dict] = []
    seen: set[int] = set()
    for i, line in enumerate(lines):
        at = f"lines[{i}]"
        product = line.get("product")
        if not isinstance(product, Product) or product.pk is None:
            errors.append(field_error(f"{at}.product", "Unknown product.", "not_found"))
            continue
        if product.pk in seen:
            errors.append(
                field_error(f"{at}.product", f"{product.sku} is on the order twice; use one line.")
            )
            continue
        seen.add(product.pk)
        price = prices.get(product.pk)
        if price is None or not price.is_active:
            errors.append(
                field_error(
                    f"{at}.product",
                    f"{supplier.code} does not sell {product.sku}.",
                    "not_sold_by_supplier",
                )
            )
            continue
        try:
            quantity = int(line.get("quantity"))
        except (TypeError, ValueError):
            errors.append(field_error(f"{at}.quantity", "The quantity must be a whole number."))
            continue
        if quantity < 1:
            errors.append(field_error(f"{at}.quantity", "The quantity must be at least 1."))
            continue
        if quantity < price.min_order_qty:
            errors.append(
                field_error(
                    f"{at}.quantity",
                    f"{supplier.code} sells {product.sku} from {price.min_order_qty} units.",
                    "below_minimum_order",
                )
            )
            continue
        if quantity % price.pack_size:
            errors.append(
                field_error(
                    f"{at}.quantity",
                    f"{product.sku} comes in packs of {price.pack_size}; "
                    f"order a multiple (e.g. {-(-quantity // price.pack_size) * price.pack_size}).",
                    "not_pack_multiple",
                )
            )
            continue
        unit_cost = line.get("unit_cost")
        if unit_cost in (None, ""):
            unit_cost = price.unit_cost
        try:
            unit_cost = Decimal(unit_cost)
        except (InvalidOperation, TypeError, ValueError):
            errors.append(field_error(f"{at}.unit_cost", "The unit cost must be a number."))
            continue
        if unit_cost < 0:
            errors.append(field_error(f"{at}.unit_cost", "The unit cost must be zero or more."))
            continue
        expected = line.get("expected_date")
        if expected is not None and not isinstance(expected, date):
            errors.append(field_error(f"{at}.expected_date", "Give a date (YYYY-MM-DD)."))
            continue
        cleaned.append(
            {
                "id": line.get("id"),
                "product": product,
                "quantity": quantity,
                "unit_cost": unit_cost.quantize(Decimal("0.0001")),
                "list_unit_cost": price.unit_cost,
                "expected_date": expected,
            }
        )
    if errors:
        raise ValidationFailed(
            "Some lines cannot be ordered: "
            + "; ".join(f"{e['field']}: {e['message']}" for e in errors),
            errors=errors,
        )
    return cleaned


def _header_clean(
    *, justification: str | None, expected_date, today: date, partial: bool = False
) -> list:
    """`today`: the date where the goods are expected (the warehouse's)."""
    errors = []
    if (not partial or justification is not None) and not (justification or "").strip():
        errors.append(field_error("justification", "Say why this purchase is needed.", "required"))
    if expected_date is not None and expected_date < today:
        errors.append(field_error("expected_date", "The expected date is in the past."))
    return errors


# --- create, edit, amend -----------------------------------------------------------------------


@transaction.atomic
def purchase_order_create(
    *,
    supplier: Supplier,
    warehouse: Warehouse,
    requester,
    justification: str,
    lines: list[dict],
    expected_date: date | None = None,
    source: str = PurchaseOrder.Source.MANUAL,
) -> PurchaseOrder:
    """Create a draft purchase order with its lines.

    `lines`: `[{"product": Product, "quantity": int, "unit_cost": Decimal | None,
    "expected_date": date | None}]`; the unit cost defaults to the supplier's price. Refused (422,
    nothing written): inactive supplier or warehouse, empty justification, a product the
    supplier does not sell, a quantity below the minimum order or not a multiple of the pack.
    """
    errors = _header_clean(
        justification=justification,
        expected_date=expected_date,
        today=warehouse_today(warehouse),
    )
    if not supplier.is_active:
        errors.append(field_error("supplier", f"Supplier {supplier.code} is inactive."))
    if not warehouse.is_active:
        errors.append(field_error("warehouse", f"Warehouse {warehouse.code} is inactive."))
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)
    cleaned = _lines_clean(supplier=supplier, lines=lines)
    po = PurchaseOrder(
        reference=reference_next(prefix="PO"),
        supplier=supplier,
        warehouse=warehouse,
        requester=requester,
        justification=justification.strip(),
        expected_date=expected_date,
        currency=supplier.currency,
        source=source,
    )
    po._history_user = requester
    po.save()
    for line in cleaned:
        _line_create(po, line)
    po.total_amount = po_total(po)
    po.save(update_fields=["total_amount", "updated_at"])
    po_event(
        po,
        kind="created",
        user=requester,
        message=f"Created with {len(cleaned)} line{pluralize(len(cleaned))}.",
    )
    return po


def _line_create(po: PurchaseOrder, line: dict) -> PurchaseOrderLine:
    return PurchaseOrderLine.objects.create(
        purchase_order=po,
        product=line["product"],
        quantity=line["quantity"],
        unit_cost=line["unit_cost"],
        list_unit_cost=line["list_unit_cost"],
        expected_date=line["expected_date"],
        quantity_max=quantity_max_for(line["quantity"]),
    )


def _lines_apply(po: PurchaseOrder, cleaned: list[dict], *, user) -> list[dict]:
    """Make the order's lines match `cleaned` (by id, else by product); returns the changes."""
    existing = {line.pk: line for line in po.lines.select_related("product")}
    by_product = {line.product_id: line for line in existing.values()}
    changes: list[dict] = []
    kept: set[int] = set()
    for i, new in enumerate(cleaned):
        line = existing.get(new["id"]) if new["id"] else by_product.get(new["product"].pk)
        if new["id"] and line is None:
            raise ValidationFailed("No such line on this order.", field=f"lines[{i}].id")
        if line is None:
            created = _line_create(po, new)
            kept.add(created.pk)
            changes.append(
                {
                    "change": "added",
                    "sku": new["product"].sku,
                    "quantity": new["quantity"],
                    "unit_cost": str(new["unit_cost"]),
                }
            )
            continue
        if line.product_id != new["product"].pk:
            raise ValidationFailed(
                "A line's product cannot change; remove it and add a new line.",
                field=f"lines[{i}].product",
            )
        kept.add(line.pk)
        fields = []
        for name in ("quantity", "unit_cost", "expected_date"):
            old, value = getattr(line, name), new[name]
            if old != value:
                changes.append(
                    {
                        "change": "changed",
                        "sku": line.product.sku,
                        "field": name,
                        "from": str(old) if old is not None else None,
                        "to": str(value) if value is not None else None,
                    }
                )
                setattr(line, name, value)
                fields.append(name)
        if fields:
            line.quantity_max = quantity_max_for(line.quantity)
            line._history_user = user
            line.save(update_fields=[*fields, "quantity_max"])
    for pk, line in existing.items():
        if pk not in kept:
            if line.quantity_received:
                raise Conflict(f"{line.product.sku} was already received; it cannot be removed.")
            changes.append(
                {"change": "removed", "sku": line.product.sku, "quantity": line.quantity}
            )
            line._history_user = user
            line.delete()
    return changes


@transaction.atomic
def purchase_order_amend(
    *,
    po: PurchaseOrder,
    user,
    lines: list[dict] | None = None,
    expected_date: date | types.EllipsisType | None = ...,
    justification: str | None = None,
    reason: str = "",
) -> PurchaseOrder:
    """Change lines (quantities, prices, dates, added/removed lines), the expected date or the
    justification.

    Draft: edited in place. Rejected: edited and back to draft. Approved, sent or confirmed: the
    change is recorded as a new revision (with `reason`, required), and the order goes back to
    `submitted` for approval when the amount goes up or is above the approval threshold;
    otherwise it stays where it was with an automatic approval of the new revision (a sent order
    is re-sent to the supplier). Any other state answers 409 (e.g. editing a closed order).
    """
    po = po_lock(po)
    if po.status not in (*EDITABLE_STATES, *AMENDABLE_STATES):
        raise Conflict(
            f"A {po.get_status_display().lower()} purchase order cannot be changed.",
            code="not_editable",
            field="status",
            extra={
                "current_state": po.status,
                "allowed_states": sorted([*EDITABLE_STATES, *AMENDABLE_STATES]),
            },
        )
    is_amendment = po.status in AMENDABLE_STATES
    if is_amendment and not reason.strip():
        raise ValidationFailed("Say why the approved order changes.", field="reason")
    errors = _header_clean(
        justification=justification,
        expected_date=None if expected_date is ... else expected_date,
        today=warehouse_today(po.warehouse),
        partial=True,
    )
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)
    changes: list[dict] = []
    header_fields: list[str] = []
    if justification is not None and justification.strip() != po.justification:
        changes.append({"change": "changed", "field": "justification"})
        po.justification = justification.strip()
        header_fields.append("justification")
    if expected_date is not ... and expected_date != po.expected_date:
        changes.append(
            {
                "change": "changed",
                "field": "expected_date",
                "from": str(po.expected_date) if po.expected_date else None,
                "to": str(expected_date) if expected_date else None,
            }
        )
        po.expected_date = expected_date
        header_fields.append("expected_date")
    if lines is not None:
        changes += _lines_apply(po, _lines_clean(supplier=po.supplier, lines=lines), user=user)
    if not changes:
        raise ValidationFailed("The change request changes nothing.", field="lines")
    old_total = po.total_amount
    po.total_amount = po_total(po)
    po._history_user = user
    data = {"changes": changes, "total_from": str(old_total), "total_to": str(po.total_amount)}
    if not is_amendment:
        po.save(update_fields=[*header_fields, "total_amount", "updated_at"])
        if po.status == Status.REJECTED:
            # The rejected version keeps its decision; the edited one is a new revision.
            po.revision += 1
            po.save(update_fields=["revision"])
            return po_move(
                po,
                target=Status.DRAFT,
                user=user,
                kind="edited",
                data=data,
                message=reason or "Edited after rejection.",
            )
        po_event(po, kind="edited", user=user, message=reason, data=data)
        return po
    po.revision += 1
    po.last_amended_by = user
    reference_total = po.approved_total if po.approved_total is not None else old_total
    resubmit = po.total_amount > reference_total or needs_approval(po.total_amount)
    fields = [*header_fields, "total_amount", "revision", "last_amended_by", "updated_at"]
    data["revision"] = po.revision
    if resubmit:
        was_sent = po.status in (Status.SENT, Status.CONFIRMED)
        po.promised_date = None
        data["was_sent"] = was_sent
        return po_move(
            po,
            target=Status.SUBMITTED,
            user=user,
            kind="amended",
            message=f"Revision {po.revision}: {reason} (needs approval again)",
            data=data,
            extra_fields=(*fields, "promised_date"),
            table=EDIT_TRANSITIONS,
        )
    po.approved_total = po.total_amount
    po.save(update_fields=[*fields, "approved_total"])
    po_event(po, kind="amended", user=user, message=f"Revision {po.revision}: {reason}", data=data)
    approval_record(
        po,
        approver=None,
        decision=Approval.Decision.APPROVED,
        comment="Amendment within the approved amount and below the approval threshold.",
    )
    if po.status in (Status.SENT, Status.CONFIRMED):
        supplier_email_on_commit(po, kind="amended")
    return po
