"""Receiving: ledger rows and lots, backorders, tolerance, quarantine, cancelling the remainder."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection

from core.exceptions import InvalidTransition, ValidationFailed
from inventory.models import Stock, StockMove
from inventory.selectors.integrity import stock_drift
from purchasing.selectors import (
    purchase_on_order_quantities,
    purchase_on_order_quantity,
    purchase_order_line_for_code,
)
from purchasing.services import purchase_order_cancel, purchase_order_receive
from tests.factories import ProductFactory, SupplierProductFactory

pytestmark = pytest.mark.django_db


def test_partial_receipt_posts_ledger_and_lot_and_leaves_a_backorder(po_in, requester, dock, wh):
    po = po_in("confirmed")
    line = po.lines.get()
    receipt = purchase_order_receive(
        po=po,
        user=requester,
        delivery_note="DN-77",
        lines=[
            {"line": line, "quantity": 60, "lot_code": "L-2026-A", "expires_at": date(2027, 1, 31)}
        ],
    )
    po.refresh_from_db()
    line.refresh_from_db()
    assert po.status == "partially_received"
    assert (line.quantity_received, line.quantity_open) == (60, 90)
    move = StockMove.objects.get(reference=po.reference)
    assert (move.kind, move.quantity, move.to_location, move.user) == (
        "receive",
        60,
        dock,
        requester,
    )
    assert move.lot.code == "L-2026-A" and move.lot.expires_at == date(2027, 1, 31)
    assert move.unit_cost == Decimal("10.0000")
    assert receipt.reference.startswith("GRN-")
    assert receipt.lines.get().lot == move.lot
    assert Stock.objects.get(product=line.product, location=dock).on_hand == 60
    # the backorder still counts as on order for stock planning
    assert purchase_on_order_quantity(product=line.product, warehouse=wh) == 90
    assert stock_drift() == []


def test_second_receipt_completes_the_order(po_in, requester):
    po = po_in("partially_received")  # 75 of 150 received
    line = po.lines.get()
    purchase_order_receive(po=po, user=requester, lines=[{"line": line, "quantity": 75}])
    po.refresh_from_db()
    assert po.status == "received" and po.received_at is not None
    assert purchase_on_order_quantity(product=line.product) == 0
    assert po.receipts.count() == 2


def test_over_receipt_beyond_tolerance_is_refused_and_nothing_is_written(po_in, requester):
    po = po_in("sent")
    line = po.lines.get()
    with pytest.raises(ValidationFailed) as caught:
        purchase_order_receive(po=po, user=requester, lines=[{"line": line, "quantity": 151}])
    assert caught.value.errors[0]["field"] == "lines[0].quantity"
    assert caught.value.errors[0]["code"] == "over_receipt"
    assert not StockMove.objects.exists()
    assert not po.receipts.exists()
    line.refresh_from_db()
    assert line.quantity_received == 0


def test_over_receipt_within_tolerance_is_accepted(
    settings, make_po, widget, requester, approver, dock
):
    from purchasing.services import (
        purchase_order_send,
        purchase_order_submit,
    )

    settings.PURCHASE_RECEIPT_TOLERANCE_PCT = Decimal("10")
    po = make_po([(widget, 50)])
    purchase_order_submit(po=po, user=requester)
    purchase_order_send(po=po, user=requester)
    line = po.lines.get()
    assert line.quantity_max == 55
    purchase_order_receive(po=po, user=requester, lines=[{"line": line, "quantity": 55}])
    po.refresh_from_db()
    assert po.status == "received"
    with pytest.raises(InvalidTransition):  # complete: nothing more is expected
        purchase_order_receive(po=po, user=requester, lines=[{"line": line, "quantity": 1}])
    assert approver  # approval not needed below the threshold


def test_database_refuses_received_above_tolerance(po_in):
    po = po_in("sent")
    line = po.lines.get()
    with pytest.raises(IntegrityError), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_purchaseorderline SET quantity_received = 151 WHERE id = %s", [line.pk]
        )


def test_same_line_split_across_rows_is_counted_together(po_in, requester, quarantine_loc):
    po = po_in("sent")
    line = po.lines.get()
    with pytest.raises(ValidationFailed):
        purchase_order_receive(
            po=po,
            user=requester,
            lines=[
                {"line": line, "quantity": 100},
                {"line": line, "quantity": 51, "condition": "damaged"},
            ],
        )
    assert not StockMove.objects.exists()


def test_damaged_goods_go_to_quarantine(po_in, requester, dock, quarantine_loc):
    po = po_in("sent")
    line = po.lines.get()
    purchase_order_receive(
        po=po,
        user=requester,
        lines=[
            {"line": line, "quantity": 140},
            {"line": line, "quantity": 10, "condition": "damaged"},
        ],
    )
    damaged = Stock.objects.get(product=line.product, condition="damaged")
    assert damaged.location == quarantine_loc and damaged.on_hand == 10
    assert Stock.objects.get(product=line.product, condition="good").location == dock
    po.refresh_from_db()
    assert po.status == "received"


def test_damaged_goods_to_a_shelf_are_refused(po_in, requester, shelf_b, quarantine_loc):
    po = po_in("sent")
    with pytest.raises(ValidationFailed) as caught:
        purchase_order_receive(
            po=po,
            user=requester,
            lines=[
                {"line": po.lines.get(), "quantity": 1, "condition": "damaged", "location": shelf_b}
            ],
        )
    assert caught.value.errors[0]["field"] == "lines[0].location"


def test_line_of_another_order_is_refused(po_in, requester):
    first, second = po_in("sent"), po_in("sent")
    with pytest.raises(ValidationFailed) as caught:
        purchase_order_receive(
            po=first, user=requester, lines=[{"line": second.lines.get(), "quantity": 1}]
        )
    assert caught.value.errors[0]["field"] == "lines[0].line"


def test_inventory_errors_name_the_receipt_row(po_in, requester):
    po = po_in("sent")
    with pytest.raises(ValidationFailed) as caught:
        purchase_order_receive(
            po=po,
            user=requester,
            lines=[{"line": po.lines.get(), "quantity": 1, "expires_at": date(2027, 1, 1)}],
        )
    assert caught.value.errors[0]["field"] == "lines[0].lot_code"
    assert not po.receipts.exists()


def test_cancelling_after_partial_receipt_cancels_only_the_remainder(po_in, requester, wh):
    po = po_in("partially_received")
    line = po.lines.get()
    po = purchase_order_cancel(po=po, user=requester, reason="Supplier out of stock")
    line.refresh_from_db()
    assert po.status == "received"
    assert (line.quantity_received, line.quantity_cancelled, line.quantity_open) == (75, 75, 0)
    assert po.events.get(kind="remainder_cancelled").data == {
        "cancelled": [{"sku": "WID-1", "quantity": 75}]
    }
    assert purchase_on_order_quantity(product=line.product, warehouse=wh) == 0
    assert Stock.objects.get(product=line.product).on_hand == 75


def test_scan_finds_line_by_sku_barcode_or_supplier_sku(po_in):
    po = po_in("sent")
    line = po.lines.get()
    for code in ("WID-1", "wid-1", "4006381333931", "AC-W"):
        assert purchase_order_line_for_code(po=po, code=code) == line
    assert purchase_order_line_for_code(po=po, code="NOPE") is None


def test_on_order_counts_committed_states_only(po_in, make_po, widget, wh):
    po_in("draft")
    po_in("submitted")
    po_in("approved")
    po_in("confirmed")
    assert purchase_on_order_quantities(product_ids=[widget.pk]) == {(widget.pk, wh.pk): 300}
    pending = purchase_on_order_quantities(product_ids=[widget.pk], include_pending=True)
    assert pending == {(widget.pk, wh.pk): 600}


def test_inventory_available_to_promise_includes_purchasing_on_order(po_in, widget, wh):
    from inventory.selectors import available_to_promise

    po_in("sent")
    assert available_to_promise(product=widget, warehouse=wh) == 150
    assert available_to_promise(product=widget, warehouse=wh, include_on_order=False) == 0


def test_receipt_date_in_the_past_is_kept_for_performance(po_in, requester):
    from django.utils import timezone

    po = po_in("sent")
    when = timezone.now() - timedelta(days=1)
    purchase_order_receive(
        po=po, user=requester, received_at=when, lines=[{"line": po.lines.get(), "quantity": 150}]
    )
    po.refresh_from_db()
    assert po.received_at == when


def test_receiving_other_products_of_the_order(make_po, requester, acme, dock):
    cheap = ProductFactory(sku="CHEAP-1")
    SupplierProductFactory(supplier=acme, product=cheap, unit_cost=Decimal("1.00"))
    po = make_po([(cheap, 5)])
    from purchasing.services import purchase_order_send, purchase_order_submit

    purchase_order_submit(po=po, user=requester)
    purchase_order_send(po=po, user=requester)
    purchase_order_receive(po=po, user=requester, lines=[{"line": po.lines.get(), "quantity": 5}])
    assert Stock.objects.get(product=cheap).on_hand == 5
