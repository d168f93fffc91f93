"""Purchasing pages: roles, forms with errors, receiving screen, approval inbox, reorder."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.html import strip_tags

from inventory.models import Stock
from purchasing.models import PurchaseOrder
from tests.factories import SupplierProductFactory

pytestmark = pytest.mark.django_db

BASE = "/orders/purchasing/"


@pytest.fixture
def buyer(client, requester):
    client.force_login(requester)
    return client


def test_list_highlights_overdue_and_guards_queries(buyer, po_in, django_assert_max_num_queries):
    late = po_in("sent")
    PurchaseOrder.objects.filter(pk=late.pk).update(
        expected_date=timezone.localdate() - timedelta(days=3)
    )
    for status in ("draft", "approved", "received"):
        po_in(status)
    with django_assert_max_num_queries(12):
        response = buyer.get(BASE)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="overdue"') == 1 and late.reference in html
    response = buyer.get(BASE, {"status": "draft"})
    assert late.reference not in response.content.decode()


def test_detail_shows_timeline_history_and_guards_queries(
    buyer, po_in, django_assert_max_num_queries
):
    po = po_in("partially_received")
    with django_assert_max_num_queries(25):
        response = buyer.get(f"{BASE}{po.reference}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Approved" in html and "Change history" in html and "GRN-" in html
    assert "Cancel the backorder" in html


def test_new_order_form_shows_its_default_expected_date(buyer, prices):
    # <input type="date"> shows (and submits) only an ISO yyyy-mm-dd value.
    expected = (timezone.localdate() + timedelta(days=14)).isoformat()
    html = buyer.get(f"{BASE}new/").content.decode()
    assert f'type="date" name="expected_date" value="{expected}"' in html


def test_create_form_shows_service_errors_on_the_line(buyer, prices, wh, acme):
    response = buyer.post(
        f"{BASE}new/",
        {
            "supplier": acme.pk,
            "warehouse": wh.pk,
            "justification": "Need it",
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "0",
            "form-0-product": "WID-1",
            "form-0-quantity": "0",
        },
    )
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1" in response.content.decode()
    prices["widget"].pack_size = 4
    prices["widget"].save()
    response = buyer.post(
        f"{BASE}new/",
        {
            "supplier": acme.pk,
            "warehouse": wh.pk,
            "justification": "Need it",
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "0",
            "form-0-product": "WID-1",
            "form-0-quantity": "5",
        },
    )
    assert "packs of 4" in response.content.decode()
    assert not PurchaseOrder.objects.exists()
    response = buyer.post(
        f"{BASE}new/",
        {
            "supplier": acme.pk,
            "warehouse": wh.pk,
            "justification": "Need it",
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "0",
            "form-0-product": "WID-1",
            "form-0-quantity": "8",
        },
    )
    po = PurchaseOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{BASE}{po.reference}/"


def test_amend_page_records_a_revision(buyer, po_in):
    po = po_in("sent")
    line = po.lines.get()
    response = buyer.post(
        f"{BASE}{po.reference}/edit/",
        {
            "justification": po.justification,
            "reason": "Campaign extended",
            "expected_date": str(po.expected_date),
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": line.pk,
            "form-0-product": "WID-1",
            "form-0-quantity": "200",
        },
    )
    assert response.status_code == 302
    po.refresh_from_db()
    assert (po.status, po.revision, po.total_amount) == ("submitted", 2, 2000)


def test_edit_page_of_a_closed_order_is_refused(buyer, po_in):
    po = po_in("closed")
    response = buyer.get(f"{BASE}{po.reference}/edit/", follow=True)
    assert "cannot be changed" in response.content.decode()


def test_receiving_screen_books_stock(client, warehouse_user, po_in, dock, quarantine_loc):
    po = po_in("sent")
    line = po.lines.get()
    client.force_login(warehouse_user)
    page = client.get(f"{BASE}{po.reference}/receive/")
    assert page.status_code == 200 and "4006381333931" in page.content.decode()
    response = client.post(
        f"{BASE}{po.reference}/receive/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "delivery_note": "DN-5",
            "form-0-line": line.pk,
            "form-0-quantity": "200",
            "form-0-condition": "good",
        },
    )
    assert response.status_code == 200
    assert "would exceed the order" in response.content.decode()
    assert not Stock.objects.exists()
    response = client.post(
        f"{BASE}{po.reference}/receive/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-line": line.pk,
            "form-0-quantity": "20",
            "form-0-condition": "damaged",
        },
    )
    assert response.status_code == 302
    assert Stock.objects.get(product=line.product).location == quarantine_loc


def test_approval_inbox_hides_own_orders_and_approves(client, approver, po_in, make_po, big_lines):
    from purchasing.services import purchase_order_submit

    theirs = po_in("submitted")
    own = make_po(big_lines, requester=approver)
    purchase_order_submit(po=own, user=approver)
    client.force_login(approver)
    html = client.get(f"{BASE}approvals/").content.decode()
    assert theirs.reference in html
    assert "Waiting for someone else" in html
    response = client.post(f"{BASE}{own.reference}/approve/", {"next": "approvals"}, follow=True)
    assert "someone else must approve" in response.content.decode()
    own.refresh_from_db()
    assert own.status == "submitted"
    client.post(f"{BASE}{theirs.reference}/approve/", {"comment": "fine"})
    theirs.refresh_from_db()
    assert theirs.status == "approved"


def test_who_submitted_a_colleagues_draft_sees_no_approve_button(
    client, approver, requester, make_po, big_lines
):
    from purchasing.services import purchase_order_submit

    po = make_po(big_lines)
    approver.groups.add(*requester.groups.all())
    purchase_order_submit(po=po, user=approver)
    client.force_login(approver)
    html = client.get(f"{BASE}{po.reference}/").content.decode()
    assert f"{po.reference}/approve/" not in html
    assert "you submitted it" in html
    inbox = client.get(f"{BASE}approvals/").content.decode()
    assert f"{po.reference}/approve/" not in inbox and "Waiting for someone else" in inbox


def test_warehouse_user_cannot_approve_or_reach_reorder(client, warehouse_user, po_in):
    po = po_in("submitted")
    client.force_login(warehouse_user)
    client.post(f"{BASE}{po.reference}/approve/")
    po.refresh_from_db()
    assert po.status == "submitted"
    assert client.get(f"{BASE}reorder/").status_code == 403
    assert client.get(f"{BASE}approvals/").status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(BASE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_supplier_pages(buyer, po_in, acme, django_assert_max_num_queries):
    po_in("closed")
    with django_assert_max_num_queries(15):
        assert buyer.get(f"{BASE}suppliers/").status_code == 200
    html = buyer.get(f"{BASE}suppliers/ACME/").content.decode()
    assert "On time" in html and "WID-1" in html
    assert buyer.get(f"{BASE}suppliers/NOPE/").status_code == 404


def _text(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


def test_supplier_prices_show_how_much_more_than_the_cheapest(buyer, prices, bolt, widget, gadget):
    # ACME sells the widget at 10.00 and the gadget at 25.00; BOLT the widget at 9.87.
    SupplierProductFactory(supplier=bolt, product=widget, unit_cost=Decimal("9.87"))
    SupplierProductFactory(supplier=bolt, product=gadget, unit_cost=Decimal("30.00"))
    acme_page = _text(buyer.get(f"{BASE}suppliers/ACME/"))
    assert "BOLT at 9.87 +0.13 here" in acme_page
    assert "+10.00 here" not in acme_page
    assert "5 d this supplier" in acme_page  # the gadget: ACME is the cheapest
    bolt_page = _text(buyer.get(f"{BASE}suppliers/BOLT/"))
    assert "ACME at 25.00 +5.00 here" in bolt_page


def test_print_page_renders_the_order(buyer, po_in):
    po = po_in("approved")
    html = buyer.get(f"{BASE}{po.reference}/print/").content.decode()
    assert f"Purchase order {po.reference}" in html and "1500.00" in html


def test_detail_times_are_the_warehouse_s(buyer, po_in):
    """The timeline, approvals and history show Berlin time (the warehouse's), not the server's
    UTC: the same instant reads an hour or two later."""
    from core import timefmt
    from purchasing.models import PurchaseOrderEvent

    po = po_in("approved")
    created = PurchaseOrderEvent.objects.filter(purchase_order=po, kind="created").get().created_at
    html = buyer.get(f"{BASE}{po.reference}/").content.decode()
    assert timefmt.stamp(created, "Europe/Berlin") in html
    assert timefmt.stamp(created, "UTC") not in html
