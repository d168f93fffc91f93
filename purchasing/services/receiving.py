"""Receiving goods against purchase order lines, through inventory's stock_receive."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import pluralize
from django.utils import timezone

from core.exceptions import DomainError, InvalidTransition, ValidationFailed
from core.references import reference_next
from inventory.models import Location, StockCondition
from inventory.services import stock_receive
from purchasing.models import PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine
from purchasing.services.common import (
    RECEIVABLE_STATES,
    TRANSITIONS,
    Status,
    po_lock,
    po_move,
)

QUARANTINE_CONDITIONS = {StockCondition.DAMAGED, StockCondition.QUARANTINED}


def _default_location(warehouse, *, condition: str) -> Location | None:
    """Damaged goods go to quarantine; good goods to the receiving dock (else any storage)."""
    kinds = (
        [Location.Kind.QUARANTINE]
        if condition in QUARANTINE_CONDITIONS
        else [Location.Kind.RECEIVING, Location.Kind.STORAGE]
    )
    for kind in kinds:
        found = (
            Location.objects.filter(warehouse=warehouse, kind=kind, is_active=True)
            .order_by("code")
            .first()
        )
        if found:
            return found
    return None


def _rows_clean(po: PurchaseOrder, lines_by_pk: dict[int, PurchaseOrderLine], rows: list[dict]):
    errors: list[dict] = []
    cleaned: list[dict] = []
    wanted: dict[int, int] = defaultdict(int)
    for i, row in enumerate(rows):
        at = f"lines[{i}]"
        raw_line = row.get("line")
        line_pk = raw_line.pk if isinstance(raw_line, PurchaseOrderLine) else raw_line
        line = lines_by_pk.get(line_pk)
        if line is None:
            errors.append(
                {
                    "field": f"{at}.line",
                    "code": "not_found",
                    "message": f"Line {line_pk} is not on {po.reference}.",
                }
            )
            continue
        try:
            quantity = int(row.get("quantity"))
        except (TypeError, ValueError):
            errors.append(
                {
                    "field": f"{at}.quantity",
                    "code": "invalid",
                    "message": "The quantity must be a whole number.",
                }
            )
            continue
        if quantity < 1:
            errors.append(
                {
                    "field": f"{at}.quantity",
                    "code": "invalid",
                    "message": "The quantity must be at least 1.",
                }
            )
            continue
        condition = row.get("condition") or StockCondition.GOOD
        if condition not in StockCondition.values or condition == StockCondition.EXPIRED:
            errors.append(
                {
                    "field": f"{at}.condition",
                    "code": "invalid",
                    "message": "Condition must be good, damaged or quarantined.",
                }
            )
            continue
        location = row.get("location") or _default_location(po.warehouse, condition=condition)
        if location is None:
            kind = "quarantine" if condition in QUARANTINE_CONDITIONS else "receiving"
            errors.append(
                {
                    "field": f"{at}.location",
                    "code": "required",
                    "message": f"{po.warehouse.code} has no {kind} location; name one.",
                }
            )
            continue
        if location.warehouse_id != po.warehouse_id:
            errors.append(
                {
                    "field": f"{at}.location",
                    "code": "invalid",
                    "message": f"{location} is not in {po.warehouse.code}.",
                }
            )
            continue
        if condition in QUARANTINE_CONDITIONS and location.kind != Location.Kind.QUARANTINE:
            errors.append(
                {
                    "field": f"{at}.location",
                    "code": "invalid",
                    "message": "Damaged goods must go to a quarantine location.",
                }
            )
            continue
        expires_at = row.get("expires_at")
        if isinstance(expires_at, datetime):
            expires_at = expires_at.date()
        if expires_at is not None and not isinstance(expires_at, date):
            errors.append(
                {
                    "field": f"{at}.expires_at",
                    "code": "invalid",
                    "message": "Give a date (YYYY-MM-DD).",
                }
            )
            continue
        wanted[line.pk] += quantity
        room = line.quantity_max - line.quantity_cancelled - line.quantity_received
        if wanted[line.pk] > room:
            over = (
                f" (ordered {line.quantity}, tolerance up to {line.quantity_max})"
                if line.quantity_max > line.quantity
                else f" (ordered {line.quantity})"
            )
            errors.append(
                {
                    "field": f"{at}.quantity",
                    "code": "over_receipt",
                    "message": f"{line.product.sku}: receiving {wanted[line.pk]} would exceed the "
                    f"order; {max(room, 0)} more can be received{over}, "
                    f"{line.quantity_received} already received.",
                }
            )
            continue
        cleaned.append(
            {
                "index": i,
                "line": line,
                "quantity": quantity,
                "condition": condition,
                "location": location,
                "lot_code": (row.get("lot_code") or "").strip(),
                "expires_at": expires_at,
            }
        )
    if not rows:
        errors.append(
            {"field": "lines", "code": "required", "message": "Receive at least one line."}
        )
    if errors:
        raise ValidationFailed(
            "The receipt was not booked: " + "; ".join(e["message"] for e in errors),
            errors=errors,
        )
    return cleaned


@transaction.atomic
def purchase_order_receive(
    *,
    po: PurchaseOrder,
    user,
    lines: list[dict],
    delivery_note: str = "",
    note: str = "",
    received_at: datetime | None = None,
) -> Receipt:
    """Book a goods receipt against the order's lines and put the goods into stock.

    `lines`: `[{"line": PurchaseOrderLine | id, "quantity": int, "condition": "good"|"damaged"|
    "quarantined", "location": Location | None, "lot_code": str, "expires_at": date | None}]`.
    Each row goes through `inventory.services.stock_receive` in this transaction (ledger row,
    lot, moving-average cost). Damaged goods go to quarantine. More than ordered plus the
    tolerance is refused (422, nothing booked; a DB CHECK backs it). What stays open is the
    backorder: the order becomes partially_received, or received when nothing is open.
    """
    po = po_lock(po)
    if po.status not in RECEIVABLE_STATES:
        raise InvalidTransition(
            current=po.status,
            target=Status.RECEIVED,
            allowed=TRANSITIONS.get(po.status, set()),
            what="purchase order",
        )
    lines_by_pk = {
        line.pk: line
        for line in PurchaseOrderLine.objects.select_for_update()
        .select_related("product")
        .filter(purchase_order=po)
        .order_by("pk")
    }
    cleaned = _rows_clean(po, lines_by_pk, lines)
    now = timezone.now()
    receipt = Receipt.objects.create(
        reference=reference_next(prefix="GRN"),
        purchase_order=po,
        received_by=user,
        received_at=received_at or now,
        delivery_note=delivery_note,
        note=note,
    )
    for row in cleaned:
        line = row["line"]
        try:
            stock = stock_receive(
                product=line.product,
                location=row["location"],
                quantity=row["quantity"],
                condition=row["condition"],
                lot_code=row["lot_code"] or None,
                expires_at=row["expires_at"],
                reference=po.reference,
                reason=f"Goods receipt {receipt.reference}",
                user=user,
                unit_cost=line.unit_cost,
                received_at=received_at,
            )
        except DomainError as exc:
            # Name the receipt row the problem belongs to (e.g. lines[1].expires_at).
            exc.errors = [
                {**e, "field": f"lines[{row['index']}].{e.get('field') or 'quantity'}"}
                for e in exc.errors
            ] or [{"field": f"lines[{row['index']}]", "code": exc.code, "message": exc.detail}]
            raise
        ReceiptLine.objects.create(
            receipt=receipt,
            po_line=line,
            quantity=row["quantity"],
            condition=row["condition"],
            location=row["location"],
            lot=stock.lot,
            lot_code=stock.lot.code if stock.lot_id else "",
            expires_at=stock.lot.expires_at if stock.lot_id else None,
            stock=stock,
        )
        PurchaseOrderLine.objects.filter(pk=line.pk).update(
            quantity_received=F("quantity_received") + row["quantity"]
        )
        line.quantity_received += row["quantity"]
    still_open = sum(line.quantity_open for line in lines_by_pk.values())
    target = Status.PARTIALLY_RECEIVED if still_open else Status.RECEIVED
    received_units = sum(row["quantity"] for row in cleaned)
    message = f"{receipt.reference}: {received_units} unit{pluralize(received_units)} received"
    message += f", {still_open} still on backorder." if still_open else ", order complete."
    po_move(
        po,
        target=target,
        user=user,
        kind="received",
        message=message,
        data={
            "receipt": receipt.reference,
            "lines": [
                {
                    "sku": r["line"].product.sku,
                    "quantity": r["quantity"],
                    "condition": r["condition"],
                    "location": r["location"].code,
                }
                for r in cleaned
            ],
            "open": still_open,
        },
        at=received_at,
    )
    return receipt
