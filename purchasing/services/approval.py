"""Approval of purchase orders: submit (automatic approval at or below the threshold), approve,
reject; never by anyone who requested, edited, submitted or amended the order."""

from __future__ import annotations

from django.db import transaction

from core.exceptions import ValidationFailed
from core.roles import Role, user_has_role
from purchasing.models import Approval, PurchaseOrder
from purchasing.selectors.purchase_orders import purchase_order_user_part
from purchasing.services.common import (
    PurchaseForbidden,
    Status,
    approval_record,
    needs_approval,
    po_lock,
    po_move,
    po_total,
)


@transaction.atomic
def purchase_order_submit(*, po: PurchaseOrder, user) -> PurchaseOrder:
    """Submit a draft for approval. At or below PURCHASE_APPROVAL_THRESHOLD it is approved at
    once (an automatic approval is recorded); above it, an approver must decide."""
    po = po_lock(po)
    if po.status == Status.DRAFT and not po.lines.exists():
        raise ValidationFailed("A purchase order needs at least one line.", field="lines")
    po.total_amount = po_total(po)
    po_move(
        po,
        target=Status.SUBMITTED,
        user=user,
        extra_fields=("total_amount",),
        message=f"Total {po.total_amount} {po.currency}.",
    )
    if not needs_approval(po.total_amount):
        approval_record(
            po,
            approver=None,
            decision=Approval.Decision.APPROVED,
            comment="At or below the approval threshold.",
        )
        po.approved_total = po.total_amount
        po_move(
            po,
            target=Status.APPROVED,
            user=None,
            kind="approved_automatically",
            extra_fields=("approved_total",),
            message="Approved automatically (at or below the approval threshold).",
        )
    return po


def _approver_check(po: PurchaseOrder, approver) -> None:
    if not user_has_role(approver, Role.APPROVER):
        raise PurchaseForbidden("Only a user with the approver role can decide.", field="approver")
    part = purchase_order_user_part(po=po, user=approver)
    if part:
        raise PurchaseForbidden(
            f"Separation of duties: you {part} this purchase order, "
            "so someone else must approve or reject it.",
            code="separation_of_duties",
            field="approver",
        )


@transaction.atomic
def purchase_order_approve(*, po: PurchaseOrder, approver, comment: str = "") -> PurchaseOrder:
    """Approve a submitted order: the approver role, never someone who requested, edited,
    submitted or amended it (admins included). Concurrent decisions are serialised by the row
    lock (the loser gets 409) and backed by one Approval per revision."""
    po = po_lock(po)
    _approver_check(po, approver)
    po.approved_total = po.total_amount
    po_move(
        po, target=Status.APPROVED, user=approver, message=comment, extra_fields=("approved_total",)
    )
    approval_record(po, approver=approver, decision=Approval.Decision.APPROVED, comment=comment)
    return po


@transaction.atomic
def purchase_order_reject(*, po: PurchaseOrder, approver, comment: str) -> PurchaseOrder:
    """Reject a submitted order with a reason (same separation of duties as approving)."""
    po = po_lock(po)
    _approver_check(po, approver)
    if not (comment or "").strip():
        raise ValidationFailed("Say why the order is rejected.", field="comment")
    po_move(po, target=Status.REJECTED, user=approver, message=comment)
    approval_record(po, approver=approver, decision=Approval.Decision.REJECTED, comment=comment)
    return po
