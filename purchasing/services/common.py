"""Shared pieces of the purchasing services: the transition table, locking, timeline, totals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import Conflict, DomainError, assert_transition
from purchasing.models import Approval, PurchaseOrder, PurchaseOrderEvent

Status = PurchaseOrder.Status

# The purchase order lifecycle (the actions submit, approve, reject, send, confirm, receive,
# cancel, close). A partially received order whose remainder is cancelled becomes `received`
# (everything that will arrive has arrived); confirming again records a changed promise.
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.SUBMITTED, Status.CANCELLED},
    Status.SUBMITTED: {Status.APPROVED, Status.REJECTED, Status.CANCELLED},
    Status.APPROVED: {Status.SENT, Status.CANCELLED},
    Status.REJECTED: {Status.DRAFT, Status.CANCELLED},
    Status.SENT: {
        Status.CONFIRMED,
        Status.PARTIALLY_RECEIVED,
        Status.RECEIVED,
        Status.CANCELLED,
    },
    Status.CONFIRMED: {
        Status.CONFIRMED,
        Status.PARTIALLY_RECEIVED,
        Status.RECEIVED,
        Status.CANCELLED,
    },
    Status.PARTIALLY_RECEIVED: {Status.PARTIALLY_RECEIVED, Status.RECEIVED},
    Status.RECEIVED: {Status.CLOSED},
    Status.CLOSED: set(),
    Status.CANCELLED: set(),
}

# Editing, a separate path: a rejected order edited goes back to draft; an amendment of an
# approved, sent or confirmed order that needs a new approval goes back to submitted.
EDIT_TRANSITIONS: dict[str, set[str]] = {
    Status.REJECTED: {Status.DRAFT},
    Status.APPROVED: {Status.SUBMITTED},
    Status.SENT: {Status.SUBMITTED},
    Status.CONFIRMED: {Status.SUBMITTED},
}

RECEIVABLE_STATES = (Status.SENT, Status.CONFIRMED, Status.PARTIALLY_RECEIVED)
EDITABLE_STATES = (Status.DRAFT, Status.REJECTED)
AMENDABLE_STATES = (Status.APPROVED, Status.SENT, Status.CONFIRMED)

_STAMP = {
    Status.SUBMITTED: "submitted_at",
    Status.APPROVED: "approved_at",
    Status.SENT: "sent_at",
    Status.CONFIRMED: "confirmed_at",
    Status.RECEIVED: "received_at",
    Status.CLOSED: "closed_at",
    Status.CANCELLED: "cancelled_at",
}


class PurchaseForbidden(DomainError):
    """The user may not take this decision (e.g. approving their own order): HTTP 403."""

    status = 403
    code = "forbidden"
    title = "Not allowed for this user"


def approval_threshold() -> Decimal:
    return Decimal(settings.PURCHASE_APPROVAL_THRESHOLD)


def receipt_tolerance_pct() -> Decimal:
    return Decimal(settings.PURCHASE_RECEIPT_TOLERANCE_PCT)


def quantity_max_for(quantity: int) -> int:
    """The receiving ceiling of a line: ordered quantity plus the tolerance, rounded down."""
    return int(
        quantity + (quantity * receipt_tolerance_pct() / 100).to_integral_value("ROUND_FLOOR")
    )


def needs_approval(amount: Decimal) -> bool:
    return amount > approval_threshold()


def po_lock(po: PurchaseOrder) -> PurchaseOrder:
    """Lock the order's row for the rest of the transaction and return the fresh copy.

    Every lifecycle write takes this lock first, so two users acting at once are serialised and
    the second one sees the state the first one left.
    """
    return (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("supplier", "warehouse", "requester")
        .get(pk=po.pk)
    )


def po_event(
    po: PurchaseOrder,
    *,
    kind: str,
    user=None,
    message: str = "",
    data: dict | None = None,
    at: datetime | None = None,
) -> PurchaseOrderEvent:
    return PurchaseOrderEvent.objects.create(
        purchase_order=po,
        kind=kind,
        status=po.status,
        user=user,
        message=message,
        data=data or {},
        created_at=at or timezone.now(),
    )


def po_move(
    po: PurchaseOrder,
    *,
    target: str,
    user=None,
    kind: str | None = None,
    message: str = "",
    data: dict | None = None,
    extra_fields: tuple[str, ...] = (),
    at: datetime | None = None,
    table: dict[str, set[str]] = TRANSITIONS,
) -> PurchaseOrder:
    """Apply one transition from the table (409 when not allowed), stamp it and log it."""
    assert_transition(table, current=po.status, target=target, what="purchase order")
    po.status = target
    fields = ["status", "updated_at", *extra_fields]
    stamp = _STAMP.get(target)
    if stamp:
        setattr(po, stamp, at or timezone.now())
        fields.append(stamp)
    po._history_user = user
    po.save(update_fields=fields)
    po_event(po, kind=kind or target, user=user, message=message, data=data, at=at)
    return po


def po_total(po: PurchaseOrder) -> Decimal:
    total = sum((line.line_total for line in po.lines.all()), Decimal("0"))
    return total.quantize(Decimal("0.01"))


def field_error(field: str, message: str, code: str = "invalid") -> dict:
    """One entry of a problem document's `errors` list."""
    return {"field": field, "code": code, "message": message}


def approval_record(po, *, approver, decision, comment="") -> Approval:
    """Record the decision on the order's current revision; a second decision on the same
    revision (two approvers at once) is refused by the unique constraint: 409."""
    try:
        with transaction.atomic():
            return Approval.objects.create(
                purchase_order=po,
                revision=po.revision,
                approver=approver,
                decision=decision,
                is_automatic=approver is None,
                amount=po.total_amount,
                comment=comment,
                decided_at=timezone.now(),
            )
    except IntegrityError as exc:
        raise Conflict(
            f"Revision {po.revision} of {po.reference} already has a decision.",
            code="already_decided",
        ) from exc


def supplier_email_on_commit(po: PurchaseOrder, *, kind: str) -> None:
    """Email the supplier (order, amendment, cancellation) once the transaction commits."""
    from purchasing.tasks import purchasing_supplier_email

    po_id, revision = po.pk, po.revision
    transaction.on_commit(lambda: purchasing_supplier_email.delay(po_id, kind, revision))
