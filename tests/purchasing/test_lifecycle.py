"""Every allowed and forbidden purchase order transition, approvals and separation of duties."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from core.exceptions import Conflict, InvalidTransition, ValidationFailed
from purchasing.models import Approval, PurchaseOrder
from purchasing.services import (
    TRANSITIONS,
    PurchaseForbidden,
    purchase_order_amend,
    purchase_order_approve,
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_confirm,
    purchase_order_receive,
    purchase_order_reject,
    purchase_order_send,
    purchase_order_submit,
)

pytestmark = pytest.mark.django_db

STATES = [
    "draft",
    "submitted",
    "approved",
    "rejected",
    "sent",
    "confirmed",
    "partially_received",
    "received",
    "closed",
    "cancelled",
]
ALLOWED_ACTIONS = {
    "draft": {"submit", "cancel"},
    "submitted": {"approve", "reject", "cancel"},
    "approved": {"send", "cancel"},
    "rejected": {"cancel"},
    "sent": {"confirm", "receive", "cancel"},
    "confirmed": {"confirm", "receive", "cancel"},
    "partially_received": {"receive", "cancel"},
    "received": {"close"},
    "closed": set(),
    "cancelled": set(),
}
RESULT = {
    ("draft", "submit"): "submitted",
    ("submitted", "approve"): "approved",
    ("submitted", "reject"): "rejected",
    ("approved", "send"): "sent",
    ("sent", "confirm"): "confirmed",
    ("confirmed", "confirm"): "confirmed",
    ("sent", "receive"): "partially_received",
    ("confirmed", "receive"): "partially_received",
    ("partially_received", "receive"): "partially_received",
    ("partially_received", "cancel"): "received",
    ("received", "close"): "closed",
}


def _act(action, po, *, requester, approver):
    promised = timezone.localdate() + timedelta(days=3)
    calls = {
        "submit": lambda: purchase_order_submit(po=po, user=requester),
        "approve": lambda: purchase_order_approve(po=po, approver=approver),
        "reject": lambda: purchase_order_reject(po=po, approver=approver, comment="No budget"),
        "send": lambda: purchase_order_send(po=po, user=requester),
        "confirm": lambda: purchase_order_confirm(po=po, user=requester, promised_date=promised),
        "cancel": lambda: purchase_order_cancel(po=po, user=requester, reason="Plans changed"),
        "close": lambda: purchase_order_close(po=po, user=requester),
        "receive": lambda: purchase_order_receive(
            po=po, user=requester, lines=[{"line": po.lines.first(), "quantity": 1}]
        ),
    }
    return calls[action]()


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(
    "action", ["submit", "approve", "reject", "send", "confirm", "cancel", "close", "receive"]
)
def test_transition_matrix(state, action, po_in, requester, approver):
    po = po_in(state)
    assert po.status == state
    if action in ALLOWED_ACTIONS[state]:
        _act(action, po, requester=requester, approver=approver)
        po.refresh_from_db()
        assert po.status == RESULT.get((state, action), "cancelled")
        assert po.events.filter(status=po.status).exists()
    else:
        with pytest.raises(InvalidTransition) as caught:
            _act(action, po, requester=requester, approver=approver)
        assert caught.value.status == 409
        assert caught.value.extra["current_state"] == state
        assert caught.value.extra["allowed_states"] == sorted(TRANSITIONS[state])
        po.refresh_from_db()
        assert po.status == state


def test_submission_at_or_below_threshold_is_approved_automatically(make_po, widget, requester):
    po = make_po([(widget, 100)])  # 100 x 10.00 = 1000.00, not above the threshold
    po = purchase_order_submit(po=po, user=requester)
    assert po.status == "approved"
    approval = Approval.objects.get(purchase_order=po)
    assert approval.is_automatic and approval.approver is None
    assert approval.amount == Decimal("1000.00")
    assert list(po.events.values_list("kind", flat=True)) == [
        "created",
        "submitted",
        "approved_automatically",
    ]


def test_submission_above_threshold_waits_for_an_approver(po_in):
    po = po_in("submitted")
    assert po.total_amount == Decimal("1500.00")
    assert po.status == "submitted"
    assert not po.approvals.exists()


def test_approval_by_requester_is_refused_even_for_admins(make_po, big_lines, admin_user):
    po = make_po(big_lines, requester=admin_user)
    purchase_order_submit(po=po, user=admin_user)
    with pytest.raises(PurchaseForbidden) as caught:
        purchase_order_approve(po=po, approver=admin_user)
    assert caught.value.status == 403
    assert caught.value.errors[0]["field"] == "approver"
    po.refresh_from_db()
    assert po.status == "submitted" and not po.approvals.exists()


def test_colleague_who_submits_someone_elses_draft_may_not_approve_it(
    make_po, big_lines, approver, approver2, requester
):
    po = make_po(big_lines)
    # otto holds the approver role and is the one who pressed "submit" on petra's draft.
    approver2.groups.add(*requester.groups.all())
    po = purchase_order_submit(po=po, user=approver2)
    for decide in (
        lambda: purchase_order_approve(po=po, approver=approver2),
        lambda: purchase_order_reject(po=po, approver=approver2, comment="no"),
    ):
        with pytest.raises(PurchaseForbidden) as caught:
            decide()
        assert caught.value.status == 403
        assert caught.value.errors[0]["code"] == "separation_of_duties"
        assert "you submitted" in caught.value.detail
    po.refresh_from_db()
    assert po.status == "submitted" and not po.approvals.exists()
    assert purchase_order_approve(po=po, approver=approver).status == "approved"


def test_colleague_who_edited_the_draft_may_not_approve_it(
    make_po, big_lines, approver, approver2, requester, widget
):
    po = make_po(big_lines)
    po = purchase_order_amend(po=po, user=approver2, lines=[{"product": widget, "quantity": 160}])
    po = purchase_order_submit(po=po, user=requester)
    with pytest.raises(PurchaseForbidden) as caught:
        purchase_order_approve(po=po, approver=approver2)
    assert "you changed" in caught.value.detail
    assert purchase_order_approve(po=po, approver=approver).status == "approved"


def test_approval_needs_the_approver_role(po_in, purchasing_user):
    po = po_in("submitted")
    with pytest.raises(PurchaseForbidden):
        purchase_order_approve(po=po, approver=purchasing_user)
    with pytest.raises(PurchaseForbidden):
        purchase_order_reject(po=po, approver=purchasing_user, comment="no")


def test_rejection_needs_a_reason(po_in, approver):
    po = po_in("submitted")
    with pytest.raises(ValidationFailed) as caught:
        purchase_order_reject(po=po, approver=approver, comment="  ")
    assert caught.value.errors[0]["field"] == "comment"


def test_cancel_needs_a_reason(po_in, requester):
    po = po_in("draft")
    with pytest.raises(ValidationFailed):
        purchase_order_cancel(po=po, user=requester, reason="")
    po.refresh_from_db()
    assert po.status == "draft"


def test_send_refused_without_supplier_email(po_in, requester, acme):
    po = po_in("approved")
    acme.contact_email = ""
    acme.save()
    with pytest.raises(ValidationFailed) as caught:
        purchase_order_send(po=po, user=requester)
    assert caught.value.errors[0]["field"] == "supplier.contact_email"


def test_rejected_order_is_edited_back_to_draft_and_resubmitted(po_in, requester, widget):
    po = po_in("rejected")
    po = purchase_order_amend(po=po, user=requester, lines=[{"product": widget, "quantity": 90}])
    assert po.status == "draft"
    po = purchase_order_submit(po=po, user=requester)
    assert po.status == "approved"  # 900.00 now


# --- amendments --------------------------------------------------------------------------------


def test_amendment_raising_the_amount_goes_back_to_approval(po_in, requester, approver, widget):
    po = po_in("sent")
    line = po.lines.get()
    po = purchase_order_amend(
        po=po,
        user=requester,
        reason="Campaign extended",
        lines=[{"id": line.pk, "product": widget, "quantity": 200}],
    )
    assert po.status == "submitted"
    assert po.revision == 2
    assert po.total_amount == Decimal("2000.00")
    event = po.events.get(kind="amended")
    assert event.data["changes"] == [
        {"change": "changed", "sku": "WID-1", "field": "quantity", "from": "150", "to": "200"}
    ]
    # history keeps both versions of the line
    assert sorted(line.history.values_list("quantity", flat=True)) == [150, 200]
    po = purchase_order_approve(po=po, approver=approver)
    assert po.status == "approved"
    assert list(po.approvals.values_list("revision", flat=True)) == [1, 2]
    po = purchase_order_send(po=po, user=requester)
    assert po.status == "sent"


def test_amending_user_may_not_approve_the_amendment(po_in, approver, approver2, widget):
    po = po_in("approved")
    po = purchase_order_amend(
        po=po, user=approver2, reason="More", lines=[{"product": widget, "quantity": 160}]
    )
    with pytest.raises(PurchaseForbidden):
        purchase_order_approve(po=po, approver=approver2)
    assert purchase_order_approve(po=po, approver=approver).status == "approved"


def test_small_decrease_below_threshold_stays_sent_and_resends(
    po_in, requester, widget, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        po = po_in("sent")
    with django_capture_on_commit_callbacks(execute=True):
        po = purchase_order_amend(
            po=po,
            user=requester,
            reason="Less needed",
            lines=[{"product": widget, "quantity": 80}],
        )
    assert po.status == "sent" and po.revision == 2
    approval = po.approvals.get(revision=2)
    assert approval.is_automatic
    assert [m.subject for m in mailoutbox] == [
        f"Purchase order {po.reference}",
        f"Amended purchase order {po.reference} (revision 2)",
    ]


def test_decrease_still_above_threshold_needs_approval(po_in, requester, widget):
    po = po_in("approved")
    po = purchase_order_amend(
        po=po, user=requester, reason="Fewer", lines=[{"product": widget, "quantity": 120}]
    )
    assert po.status == "submitted"


def test_amendment_needs_a_reason_and_a_change(po_in, requester, widget):
    po = po_in("approved")
    with pytest.raises(ValidationFailed) as caught:
        purchase_order_amend(po=po, user=requester, lines=[{"product": widget, "quantity": 1}])
    assert caught.value.errors[0]["field"] == "reason"
    with pytest.raises(ValidationFailed):
        purchase_order_amend(
            po=po, user=requester, reason="x", lines=[{"product": widget, "quantity": 150}]
        )
    po.refresh_from_db()
    assert po.revision == 1


@pytest.mark.parametrize(
    "state", ["submitted", "partially_received", "received", "closed", "cancelled"]
)
def test_editing_is_refused_in_state(state, po_in, requester, widget):
    po = po_in(state)
    with pytest.raises(Conflict) as caught:
        purchase_order_amend(
            po=po, user=requester, reason="x", lines=[{"product": widget, "quantity": 10}]
        )
    assert caught.value.status == 409
    assert caught.value.extra["current_state"] == state


def test_amend_adds_and_removes_lines_with_history(po_in, requester, widget, gadget):
    po = po_in("draft")
    po = purchase_order_amend(po=po, user=requester, lines=[{"product": gadget, "quantity": 4}])
    assert [(line.product.sku, line.quantity) for line in po.lines.all()] == [("GAD-1", 4)]
    assert po.total_amount == Decimal("100.00")
    changes = po.events.get(kind="edited").data["changes"]
    assert {c["change"] for c in changes} == {"added", "removed"}


# --- bad input on create -----------------------------------------------------------------------


def test_product_not_sold_by_supplier_is_refused(make_po, prices):
    from tests.factories import ProductFactory

    other = ProductFactory(sku="OTHER-1")
    with pytest.raises(ValidationFailed) as caught:
        make_po([(other, 1)])
    assert caught.value.errors == [
        {
            "field": "lines[0].product",
            "code": "not_sold_by_supplier",
            "message": "ACME does not sell OTHER-1.",
        }
    ]
    assert not PurchaseOrder.objects.exists()


def test_quantity_below_moq_or_not_pack_multiple_is_refused(make_po, prices, widget, gadget):
    prices["widget"].min_order_qty = 20
    prices["widget"].save()
    prices["gadget"].pack_size = 6
    prices["gadget"].save()
    with pytest.raises(ValidationFailed) as caught:
        make_po([(widget, 10), (gadget, 7)])
    assert [(e["field"], e["code"]) for e in caught.value.errors] == [
        ("lines[0].quantity", "below_minimum_order"),
        ("lines[1].quantity", "not_pack_multiple"),
    ]
    assert "e.g. 12" in caught.value.errors[1]["message"]
    assert not PurchaseOrder.objects.exists()


def test_justification_is_required(make_po):
    with pytest.raises(ValidationFailed) as caught:
        make_po(justification="   ")
    assert caught.value.errors[0]["field"] == "justification"


def test_database_refuses_an_empty_justification(make_po):
    po = make_po()
    with pytest.raises(IntegrityError), connection.cursor() as cursor:
        cursor.execute("UPDATE orders_purchaseorder SET justification = '' WHERE id = %s", [po.pk])


def test_reference_format(make_po):
    po = make_po()
    year = timezone.now().year
    assert po.reference.startswith(f"PO-{year}-") and len(po.reference) == len("PO-2026-000001")
    assert po.total_amount == Decimal("100.00")
    assert po.currency == "EUR"
