"""The supplier side of a purchase order: send, the supplier's confirmation, cancel, close."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from core.exceptions import ValidationFailed
from purchasing.models import PurchaseOrder
from purchasing.services.common import (
    Status,
    po_lock,
    po_move,
    supplier_email_on_commit,
)


@transaction.atomic
def purchase_order_send(*, po: PurchaseOrder, user) -> PurchaseOrder:
    """Send an approved order to the supplier: emails the rendered order after commit. The
    supplier needs a contact email (422 otherwise)."""
    po = po_lock(po)
    if po.status == Status.APPROVED and not po.supplier.contact_email:
        raise ValidationFailed(
            f"{po.supplier.code} has no contact email to send the order to.",
            field="supplier.contact_email",
        )
    po_move(po, target=Status.SENT, user=user, message=f"Emailed to {po.supplier.contact_email}.")
    supplier_email_on_commit(po, kind="order")
    return po


@transaction.atomic
def purchase_order_confirm(
    *, po: PurchaseOrder, user, promised_date: date, supplier_reference: str = ""
) -> PurchaseOrder:
    """Record the supplier's confirmation and the delivery date it promised (again when it
    changes its promise)."""
    po = po_lock(po)
    if not isinstance(promised_date, date):
        raise ValidationFailed("Give the promised delivery date.", field="promised_date")
    if po.sent_at and promised_date < timezone.localdate(po.sent_at):
        raise ValidationFailed(
            "The promised date is before the order was sent.", field="promised_date"
        )
    previous = po.promised_date
    po.promised_date = promised_date
    po.supplier_reference = supplier_reference or po.supplier_reference
    message = f"Supplier promised delivery on {promised_date}."
    if previous and previous != promised_date:
        message += f" (was {previous})"
    return po_move(
        po,
        target=Status.CONFIRMED,
        user=user,
        message=message,
        extra_fields=("promised_date", "supplier_reference"),
        data={"promised_date": str(promised_date), "previous": str(previous or "")},
    )


@transaction.atomic
def purchase_order_cancel(*, po: PurchaseOrder, user, reason: str) -> PurchaseOrder:
    """Cancel with a reason. From draft, submitted, approved, rejected, sent or confirmed the whole
    order is cancelled (the supplier is told if it had the order); after a partial receipt only
    the remainder is cancelled and the order counts as received (the backorder is closed)."""
    po = po_lock(po)
    if not (reason or "").strip():
        raise ValidationFailed("Say why the order is cancelled.", field="reason")
    if po.status == Status.PARTIALLY_RECEIVED:
        lines = list(po.lines.select_for_update().select_related("product").order_by("pk"))
        cancelled = []
        for line in lines:
            open_qty = line.quantity_open
            if open_qty:
                line.quantity_cancelled += open_qty
                line._history_user = user
                line.save(update_fields=["quantity_cancelled"])
                cancelled.append({"sku": line.product.sku, "quantity": open_qty})
        po.cancel_reason = reason
        return po_move(
            po,
            target=Status.RECEIVED,
            user=user,
            kind="remainder_cancelled",
            message=reason,
            data={"cancelled": cancelled},
            extra_fields=("cancel_reason",),
        )
    was_sent = po.status in (Status.SENT, Status.CONFIRMED)
    po.cancel_reason = reason
    po_move(po, target=Status.CANCELLED, user=user, message=reason, extra_fields=("cancel_reason",))
    if was_sent:
        supplier_email_on_commit(po, kind="cancelled")
    return po


@transaction.atomic
def purchase_order_close(*, po: PurchaseOrder, user) -> PurchaseOrder:
    """Close a fully received order (nothing more is expected or changed)."""
    po = po_lock(po)
    return po_move(po, target=Status.CLOSED, user=user)
