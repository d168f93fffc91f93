"""Return policy decisions and restock vs quarantine on receipt."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.exceptions import Conflict, InvalidTransition, ValidationFailed
from core.models import OutboxEvent
from inventory.models import Stock, StockMove
from orders.models import ProductReturnPolicy, Return
from orders.services import (
    order_confirm,
    order_deliver,
    order_out_for_delivery,
    order_pack,
    order_pick,
    order_plan,
    return_close,
    return_in_transit,
    return_receive,
    return_refund,
    return_reject,
    return_request,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(stocked, make_order, tea, kettle, returns_location, quarantine):
    order = make_order([(tea, 4), (kettle, 2)])
    order.lines.filter(product=tea).update(unit_price=Decimal("3.50"))
    order.lines.filter(product=kettle).update(unit_price=Decimal("25.00"))
    for step in (order_confirm, order_pick, order_pack, order_plan, order_out_for_delivery):
        order = step(order=order)
    return order_deliver(order=order)


def _line(order, product):
    return order.lines.get(product=product)


def test_return_within_policy_is_approved_with_a_pickup_at_the_delivery_address(delivered, tea):
    ret = return_request(
        order=delivered,
        lines=[{"order_line": _line(delivered, tea), "quantity": 2, "reason": "defective"}],
        channel="customer",
    )
    assert ret.status == "approved"
    assert ret.reference.startswith("RMA-")
    assert ret.pickup_address == delivered.address
    assert (ret.pickup_latitude, ret.pickup_longitude) == (delivered.latitude, delivered.longitude)
    assert list(ret.events.values_list("type", flat=True)) == [
        "return_requested",
        "return_approved",
    ]
    assert OutboxEvent.objects.filter(
        type="return.approved", payload__return=ret.reference
    ).exists()


def test_returning_more_than_delivered_minus_returned_is_refused(delivered, tea):
    return_request(
        order=delivered,
        lines=[{"order_line": _line(delivered, tea), "quantity": 3, "reason": "defective"}],
        channel="dispatcher",
    )
    with pytest.raises(ValidationFailed) as error:
        return_request(
            order=delivered,
            lines=[{"order_line": _line(delivered, tea), "quantity": 2, "reason": "defective"}],
            channel="dispatcher",
        )
    assert error.value.errors[0]["field"] == "lines[0].quantity"
    assert "Only 1 of TEA-001" in error.value.detail
    assert Return.objects.count() == 1


def test_a_rejected_return_does_not_count_as_returned(delivered, tea):
    first = return_request(
        order=delivered,
        lines=[{"order_line": _line(delivered, tea), "quantity": 4, "reason": "defective"}],
        channel="dispatcher",
    )
    return_reject(ret=first, reason="Photos show the seal intact")
    again = return_request(
        order=delivered,
        lines=[{"order_line": _line(delivered, tea), "quantity": 4, "reason": "defective"}],
        channel="dispatcher",
    )
    assert again.status == "approved"


def test_return_after_the_window_is_refused_with_the_policy_reason(delivered, kettle):
    ProductReturnPolicy.objects.create(product=kettle, window_days=14)
    later = timezone.now() + timedelta(days=15)
    lines = [{"order_line": _line(delivered, kettle), "quantity": 1, "reason": "no_longer_needed"}]
    with pytest.raises(ValidationFailed) as error:
        return_request(order=delivered, lines=lines, channel="partner", now=later)
    assert error.value.code == "return_policy"
    assert error.value.errors[0]["code"] == "return_window_closed"
    assert "within 14 days" in error.value.detail
    assert not Return.objects.exists()
    # Within the default window (30 days) for tea, the kettle's own 14 days apply.
    ok = return_request(
        order=delivered, lines=lines, channel="partner", now=timezone.now() + timedelta(days=13)
    )
    assert ok.status == "approved"


def test_non_returnable_product_can_be_recorded_as_rejected(delivered, tea):
    tea.is_returnable = False
    tea.save()
    lines = [{"order_line": _line(delivered, tea), "quantity": 1, "reason": "no_longer_needed"}]
    with pytest.raises(ValidationFailed):
        return_request(order=delivered, lines=lines, channel="customer")
    ret = return_request(order=delivered, lines=lines, channel="dispatcher", record_rejection=True)
    assert ret.status == "rejected"
    assert "cannot be returned" in ret.rejection_reason


def test_undelivered_orders_cannot_be_returned(stocked, make_order, tea):
    order = make_order([(tea, 1)])
    with pytest.raises(Conflict):
        return_request(
            order=order,
            lines=[{"order_line": order.lines.get(), "quantity": 1, "reason": "other"}],
            channel="dispatcher",
        )


def test_bad_lines_are_named(delivered, tea):
    for lines, field in [
        ([], "lines"),
        ([{"order_line_id": 999999, "quantity": 1, "reason": "other"}], "lines[0].order_line"),
        (
            [{"order_line": _line(delivered, tea), "quantity": 0, "reason": "other"}],
            "lines[0].quantity",
        ),
        (
            [{"order_line": _line(delivered, tea), "quantity": 1, "reason": "meh"}],
            "lines[0].reason",
        ),
    ]:
        with pytest.raises(ValidationFailed) as error:
            return_request(order=delivered, lines=lines, channel="dispatcher")
        assert error.value.errors[0]["field"] == field
    assert not Return.objects.exists()


def test_receipt_restocks_good_quarantines_damaged_and_scraps_unusable(
    delivered, tea, kettle, returns_location, quarantine, assert_consistent
):
    ret = return_request(
        order=delivered,
        lines=[
            {"order_line": _line(delivered, tea), "quantity": 3, "reason": "no_longer_needed"},
            {"order_line": _line(delivered, kettle), "quantity": 2, "reason": "damaged"},
        ],
        channel="dispatcher",
    )
    ret = return_in_transit(ret=ret)
    tea_line, kettle_line = ret.lines.order_by("pk")
    with pytest.raises(ValidationFailed) as error:
        return_receive(ret=ret, conditions={tea_line.pk: "good"})
    assert error.value.errors[0]["field"] == "lines[1].condition"
    ret = return_receive(ret=ret, conditions={tea_line.pk: "good", kettle_line.pk: "damaged"})
    assert ret.status == "received"
    assert ret.refund_amount == Decimal("60.50")  # 3 x 3.50 + 2 x 25.00
    good = Stock.objects.get(product=tea, location=returns_location)
    assert (good.condition, good.on_hand) == ("good", 3)
    bad = Stock.objects.get(product=kettle, location=quarantine)
    assert (bad.condition, bad.on_hand) == ("quarantined", 2)
    assert StockMove.objects.filter(kind="return", reference=ret.reference).count() == 2
    ret = return_refund(ret=ret)
    ret = return_close(ret=ret)
    assert ret.status == "closed"
    with pytest.raises(InvalidTransition):
        return_receive(ret=ret, conditions={})
    assert_consistent()


def test_unusable_items_are_scrapped_through_the_ledger(delivered, kettle, quarantine):
    ret = return_request(
        order=delivered,
        lines=[{"order_line": _line(delivered, kettle), "quantity": 1, "reason": "damaged"}],
        channel="dispatcher",
        method="dropoff",
    )
    assert ret.pickup_address == ""
    ret = return_receive(
        ret=ret, conditions={ret.lines.get().pk: "unusable"}, refund_amount="10.00"
    )
    assert ret.refund_amount == Decimal("10.00")
    assert list(
        StockMove.objects.filter(reference=ret.reference)
        .order_by("id")
        .values_list("kind", flat=True)
    ) == ["return", "scrap"]
    assert Stock.objects.get(product=kettle, location=quarantine).on_hand == 0
