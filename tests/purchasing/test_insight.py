"""Supplier performance on a hand-computed example, reorder suggestions, cost advice, emails."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.services import stock_receive
from purchasing.models import PurchaseOrder
from purchasing.selectors import (
    product_supplier_options,
    purchase_order_cost_advice,
    reorder_quantity,
    reorder_suggestions,
    supplier_performance,
)
from purchasing.services import (
    purchase_order_send,
    purchase_order_submit,
    reorder_digest_send,
    reorder_purchase_orders_create,
)
from purchasing.tasks import purchasing_supplier_email
from tests.factories import ProductFactory, SupplierFactory, SupplierProductFactory

pytestmark = pytest.mark.django_db


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=12)))


def _delivered(po, *, sent, promised, done, received, unit_cost=None):
    """Shape a delivered order directly (the selector only reads these fields)."""
    line = po.lines.get()
    line.quantity_received = received
    if received < line.quantity:
        line.quantity_cancelled = line.quantity - received
    if unit_cost is not None:
        line.unit_cost = unit_cost
    line.save()
    PurchaseOrder.objects.filter(pk=po.pk).update(
        status="received", sent_at=_at(sent), promised_date=promised, received_at=_at(done)
    )


def test_supplier_performance_hand_computed(make_po, widget, acme):
    # Four delivered orders of 10 widgets (list price 10.00), sent on day 0:
    #   A promised day 5, done day 4, all 10            -> on time, in full, lead 4, delay -1
    #   B promised day 5, done day 7, all 10            -> late,    in full, lead 7, delay +2
    #   C promised day 6, done day 6, 8 of 10, at 11.00 -> on time, short,   lead 6, delay  0
    #   D promised day 3, done day 9, 5 of 10           -> late,    short,   lead 9, delay +6
    d0 = date(2026, 3, 2)
    orders = [make_po([(widget, 10)]) for _ in range(4)]
    _delivered(orders[0], sent=d0, promised=d0 + timedelta(5), done=d0 + timedelta(4), received=10)
    _delivered(orders[1], sent=d0, promised=d0 + timedelta(5), done=d0 + timedelta(7), received=10)
    _delivered(
        orders[2],
        sent=d0,
        promised=d0 + timedelta(6),
        done=d0 + timedelta(6),
        received=8,
        unit_cost=Decimal("11.00"),
    )
    _delivered(orders[3], sent=d0, promised=d0 + timedelta(3), done=d0 + timedelta(9), received=5)
    make_po([(widget, 10)])  # a draft: not delivered, not counted

    perf = supplier_performance(supplier=acme)
    assert perf.orders == 4
    assert perf.on_time_rate == Decimal("50.0")  # A, C
    assert perf.in_full_rate == Decimal("50.0")  # A, B
    assert perf.otif_rate == Decimal("25.0")  # A
    assert perf.avg_lead_time_days == Decimal("6.5")  # (4+7+6+9)/4
    assert perf.avg_promised_lead_time_days == Decimal("4.8")  # (5+5+6+3)/4 = 4.75
    assert perf.avg_delay_days == Decimal("1.8")  # (-1+2+0+6)/4 = 1.75
    # paid 10*10 + 10*10 + 8*11 + 5*10 = 338 vs list 330 -> +2.42 %
    assert perf.price_variance_pct == Decimal("2.42")

    window = supplier_performance(
        supplier=acme, date_from=d0 + timedelta(7), date_to=d0 + timedelta(8)
    )
    assert window.orders == 1 and window.on_time_rate == Decimal("0.0")


def test_reorder_quantity_rounds_to_moq_and_packs():
    assert reorder_quantity(shortfall=5, reorder_qty=40, min_order_qty=1, pack_size=12) == 48
    assert reorder_quantity(shortfall=70, reorder_qty=40, min_order_qty=1, pack_size=1) == 70
    assert reorder_quantity(shortfall=5, reorder_qty=10, min_order_qty=50, pack_size=6) == 54
    assert reorder_quantity(shortfall=5, reorder_qty=0, min_order_qty=1, pack_size=1) == 5


def test_reorder_suggestions_use_available_plus_on_order_and_preferred_supplier(
    wh, dock, acme, bolt, requester, po_in
):
    soap = ProductFactory(sku="SOAP-1", reorder_point=50, reorder_qty=40)
    SupplierProductFactory(supplier=acme, product=soap, unit_cost=Decimal("2.00"), pack_size=12)
    SupplierProductFactory(
        supplier=bolt, product=soap, unit_cost=Decimal("2.50"), pack_size=1, is_preferred=True
    )
    stock_receive(product=soap, location=dock, quantity=20)
    ProductFactory(sku="FULL-1", reorder_point=5, reorder_qty=5)  # never stocked, no supplier

    by_sku = {s.product.sku: s for s in reorder_suggestions()}
    soap_s = by_sku["SOAP-1"]
    assert (soap_s.available, soap_s.on_order, soap_s.warehouse) == (20, 0, wh)
    assert soap_s.supplier == bolt  # preferred beats cheaper
    assert soap_s.quantity == 40  # reorder qty 40 >= shortfall 30
    assert by_sku["FULL-1"].supplier is None and by_sku["FULL-1"].reason

    orders = reorder_purchase_orders_create(user=requester)
    assert len(orders) == 1
    po = orders[0]
    assert (po.supplier, po.status, po.source) == (bolt, "draft", "reorder")
    assert [(line.product.sku, line.quantity) for line in po.lines.all()] == [("SOAP-1", 40)]
    assert "SOAP-1 available 20 + on order 0 < reorder point 50" in po.justification
    # the draft now counts as pending: no new suggestion for soap
    assert "SOAP-1" not in {s.product.sku for s in reorder_suggestions()}


def test_reorder_groups_by_supplier(wh, dock, acme, bolt, requester):
    for sku, supplier in (("A-1", acme), ("A-2", acme), ("B-1", bolt)):
        product = ProductFactory(sku=sku, reorder_point=10, reorder_qty=10)
        SupplierProductFactory(supplier=supplier, product=product, min_order_qty=25)
    orders = reorder_purchase_orders_create(user=requester)
    assert sorted((o.supplier.code, o.lines.count()) for o in orders) == [("ACME", 2), ("BOLT", 1)]
    assert {line.quantity for o in orders for line in o.lines.all()} == {25}


def test_cost_advice_names_the_cheaper_supplier_that_meets_the_date(make_po, widget, bolt):
    slow = SupplierFactory(code="SLOW", lead_time_days=60)
    SupplierProductFactory(supplier=slow, product=widget, unit_cost=Decimal("6.00"))
    SupplierProductFactory(supplier=bolt, product=widget, unit_cost=Decimal("8.50"))
    po = make_po([(widget, 20)])  # ACME at 10.00, needed in 10 days
    advice = purchase_order_cost_advice(po=po)
    assert len(advice) == 1
    assert advice[0].cheapest.supplier == bolt  # SLOW is cheaper but too late
    assert advice[0].saving_per_unit == Decimal("1.5000")
    assert advice[0].saving_total == Decimal("30.00")
    options = product_supplier_options(
        product=widget, needed_by=timezone.localdate() + timedelta(10)
    )
    assert [(o.supplier.code, o.meets_date, o.is_cheapest) for o in options] == [
        ("SLOW", False, True),
        ("BOLT", True, False),
        ("ACME", True, False),
    ]


def test_sending_emails_the_supplier_the_rendered_order(
    make_po, widget, requester, mailoutbox, django_capture_on_commit_callbacks
):
    po = make_po([(widget, 30)])
    purchase_order_submit(po=po, user=requester)
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_send(po=po, user=requester)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["orders@acme.example.com"]
    assert mail.subject == f"Purchase order {po.reference}"
    assert "WID-1 Widget — 30 x 10.00 EUR = 300.00 EUR" in mail.body
    html = mail.alternatives[0][0]
    assert "Total" in html and "300.00" in html and "Hafenstr. 1" in html
    # the task is safe to run twice
    assert purchasing_supplier_email(po.pk, "order", po.revision) is False
    assert len(mailoutbox) == 1
    assert po.events.filter(kind="emailed").count() == 1


def test_cancelling_a_sent_order_tells_the_supplier(
    po_in, requester, mailoutbox, django_capture_on_commit_callbacks
):
    from purchasing.services import purchase_order_cancel

    with django_capture_on_commit_callbacks(execute=True):
        po = po_in("sent")
        purchase_order_cancel(po=po, user=requester, reason="Project stopped")
    assert mailoutbox[-1].subject == f"Cancelled: purchase order {po.reference}"
    assert "Project stopped" in mailoutbox[-1].body


def test_no_email_when_the_transaction_rolls_back(
    po_in, requester, mailoutbox, django_capture_on_commit_callbacks
):
    po = po_in("approved")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        purchase_order_send(po=po, user=requester)
    assert len(callbacks) == 1 and mailoutbox == []


def test_daily_digest_emails_the_purchasing_role(wh, acme, requester, purchasing_user, mailoutbox):
    product = ProductFactory(sku="LOW-1", reorder_point=10, reorder_qty=10)
    SupplierProductFactory(supplier=acme, product=product)
    assert reorder_digest_send() == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["petra@example.com", "pia@example.com"]
    assert "LOW-1" in mailoutbox[0].body and "order 10 from ACME" in mailoutbox[0].body


def test_digest_sends_nothing_when_nothing_is_low(wh, requester, mailoutbox):
    assert reorder_digest_send() == 0
    assert mailoutbox == []


def test_the_reorder_page_queries_do_not_grow_with_its_products(
    client, wh, dock, acme, purchasing_user, django_assert_max_num_queries
):
    def low(n, start):
        for k in range(start, start + n):
            product = ProductFactory(sku=f"LOW-{k}", reorder_point=50, reorder_qty=40)
            SupplierProductFactory(supplier=acme, product=product)
            stock_receive(product=product, location=dock, quantity=k)

    client.force_login(purchasing_user)
    low(2, 1)
    with django_assert_max_num_queries(20) as few:
        assert client.get("/orders/purchasing/reorder/").status_code == 200
    low(6, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/orders/purchasing/reorder/").content.decode()
    assert all(f"LOW-{k}" in page for k in range(1, 9))
    by_sku = {s.product.sku: s.available for s in reorder_suggestions()}
    assert by_sku["LOW-7"] == 7  # available from the one grouped query, per product
