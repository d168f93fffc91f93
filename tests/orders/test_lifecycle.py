"""Customer order lifecycle: transition table, reservations, picking, packing, delivery, cancel."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.exceptions import Conflict, InsufficientStock, InvalidTransition, ValidationFailed
from core.models import OutboxEvent
from inventory.models import Reservation, Stock, StockMove
from inventory.selectors import stock_available
from orders.models import CustomerOrder, DeliveryAttempt, OrderEvent, OrderStatus
from orders.services import (
    ORDER_TRANSITIONS,
    order_arriving,
    order_cancel,
    order_confirm,
    order_deliver,
    order_fail,
    order_out_for_delivery,
    order_pack,
    order_pick,
    order_plan,
    order_reschedule,
    order_unplan,
    pick_wave_complete,
    pick_wave_create,
)
from tests.orders.conftest import window

S = OrderStatus
pytestmark = pytest.mark.django_db


def _to(order, status, **kw):
    """Drive an order through the real services up to `status`."""
    path = [S.CONFIRMED, S.PICKED, S.PACKED, S.PLANNED, S.OUT_FOR_DELIVERY]
    steps = {
        S.CONFIRMED: lambda o: order_confirm(order=o),
        S.PICKED: lambda o: order_pick(order=o),
        S.PACKED: lambda o: order_pack(order=o),
        S.PLANNED: lambda o: order_plan(order=o),
        S.OUT_FOR_DELIVERY: lambda o: order_out_for_delivery(order=o),
    }
    for step in path:
        order = steps[step](order)
        if step == status:
            return order
    if status == S.DELIVERED:
        return order_deliver(order=order)
    if status == S.FAILED:
        return order_fail(order=order, reason="customer_absent")
    if status == S.CANCELLED:
        return order_cancel(order=order)
    raise AssertionError(status)


def test_happy_path_reserves_picks_packs_and_ships_with_a_timeline(
    stocked, make_order, tea, kettle, dispatch, assert_consistent
):
    order = make_order([(tea, 3), (kettle, 1)])
    assert order.status == S.NEW
    assert order.reference.startswith("ORD-")
    assert len(order.tracking_token) >= 32  # 24 random bytes, url-safe

    order = _to(order, S.DELIVERED)

    assert order.status == S.DELIVERED
    assert stock_available(product=tea, warehouse=order.warehouse) == 7
    assert Stock.objects.get(product=tea, location=dispatch).on_hand == 0
    kinds = list(
        StockMove.objects.filter(product=tea)
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["receive", "reserve", "pick", "ship"]
    line = order.lines.get(product=tea)
    assert (line.quantity_reserved, line.quantity_picked, line.quantity_delivered) == (3, 3, 3)
    parcels = list(order.parcels.all())
    assert len(parcels) == 1
    assert parcels[0].weight_kg == Decimal("2.250")  # 3 x 0.25 + 1 x 1.5
    assert parcels[0].label_code == f"{order.reference}-01"
    types = list(order.events.values_list("type", flat=True))
    assert types == [
        "created",
        "confirmed",
        "picked",
        "packed",
        "planned",
        "out_for_delivery",
        "delivered",
    ]
    published = list(
        OutboxEvent.objects.filter(payload__order=order.reference).values_list("type", flat=True)
    )
    assert published == [f"order.{t}" for t in types]
    assert DeliveryAttempt.objects.get(order=order).outcome == "delivered"
    assert_consistent()


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (current, target)
        for current in S.values
        for target in S.values
        if target not in ORDER_TRANSITIONS[current] and target != current
    ],
)
def test_transition_table_refuses_every_other_move(current, target):
    from core.exceptions import assert_transition

    with pytest.raises(InvalidTransition) as error:
        assert_transition(ORDER_TRANSITIONS, current=current, target=target, what="order")
    assert error.value.status == 409
    assert error.value.extra["current_state"] == current


def test_invalid_move_answers_409_and_changes_nothing(stocked, make_order, tea):
    order = make_order([(tea, 1)])
    with pytest.raises(InvalidTransition) as error:
        order_pack(order=order)
    assert error.value.extra["allowed_states"] == ["cancelled", "confirmed"]
    order.refresh_from_db()
    assert order.status == S.NEW
    assert order.parcels.count() == 0


def test_confirm_is_all_or_nothing_when_one_line_is_short(
    stocked, make_order, tea, kettle, assert_consistent
):
    order = make_order([(tea, 2), (kettle, 6)])  # 5 kettles in stock
    with pytest.raises(InsufficientStock) as error:
        order_confirm(order=order)
    assert error.value.extra["shortfall"] == [
        {
            "line": order.lines.get(product=kettle).pk,
            "product": "KET-001",
            "requested": 6,
            "available": 5,
            "shortfall": 1,
        }
    ]
    assert error.value.errors[0]["field"] == "lines[1].quantity"
    order.refresh_from_db()
    assert order.status == S.NEW
    assert not Reservation.objects.exists()
    assert stock_available(product=tea, warehouse=order.warehouse) == 10
    assert not order.lines.filter(quantity_reserved__gt=0).exists()
    assert_consistent()


def test_partial_confirmation_only_when_asked(stocked, make_order, tea, kettle):
    order = make_order([(tea, 2), (kettle, 6)])
    order = order_confirm(order=order, allow_partial=True)
    assert order.status == S.CONFIRMED
    assert order.is_partial
    assert order.lines.get(product=kettle).quantity_reserved == 5
    assert order.lines.get(product=tea).quantity_reserved == 2
    assert order.events.get(type="confirmed").data["partial"] is True


def test_partial_confirmation_with_nothing_in_stock_stays_new(make_order, tea, dispatch):
    order = make_order([(tea, 2)])
    with pytest.raises(InsufficientStock):
        order_confirm(order=order, allow_partial=True)
    order.refresh_from_db()
    assert order.status == S.NEW


def test_cancel_after_confirm_releases_every_reservation(
    stocked, make_order, tea, kettle, assert_consistent
):
    order = _to(make_order([(tea, 4), (kettle, 2)]), S.CONFIRMED)
    order = order_cancel(order=order, reason="Customer changed their mind")
    assert order.status == S.CANCELLED
    assert not Reservation.objects.filter(state__in=["reserved", "picked"]).exists()
    assert stock_available(product=tea, warehouse=order.warehouse) == 10
    assert stock_available(product=kettle, warehouse=order.warehouse) == 5
    releases = StockMove.objects.filter(kind="release")
    assert sorted(releases.values_list("quantity", flat=True)) == [2, 4]
    assert order.events.last().data == {"released_units": 6, "restocked_units": 0}
    assert_consistent()


@pytest.mark.parametrize("status", [S.PICKED, S.PACKED, S.PLANNED, S.FAILED])
def test_cancel_after_picking_moves_items_back_to_their_shelf(
    stocked, make_order, tea, shelf, dispatch, status, assert_consistent
):
    order = _to(make_order([(tea, 3)]), status)
    order_cancel(order=order, reason="Address undeliverable")
    assert Stock.objects.get(product=tea, location=dispatch).on_hand == 0
    shelf_row = Stock.objects.get(product=tea, location=shelf)
    assert (shelf_row.on_hand, shelf_row.reserved) == (10, 0)
    back = StockMove.objects.get(kind="transfer")
    assert (back.from_location_id, back.to_location_id, back.quantity) == (dispatch.pk, shelf.pk, 3)
    assert back.reference == f"{order.reference}#{order.lines.get().pk}"
    assert_consistent()


@pytest.mark.parametrize("status", [S.OUT_FOR_DELIVERY, S.DELIVERED])
def test_cancel_is_refused_once_out_for_delivery(stocked, make_order, tea, status):
    order = _to(make_order([(tea, 1)]), status)
    with pytest.raises(InvalidTransition):
        order_cancel(order=order)
    order.refresh_from_db()
    assert order.status == status
    assert Reservation.objects.get().state in ("picked", "shipped")


def test_failed_delivery_can_be_rescheduled_and_delivered(stocked, make_order, tea):
    order = _to(make_order([(tea, 1)]), S.FAILED)
    attempt = DeliveryAttempt.objects.get(order=order)
    assert (attempt.outcome, attempt.failure_reason) == ("failed", "customer_absent")
    start, end = window(hours_from_now=26)
    order = order_reschedule(order=order, window_start=start, window_end=end, reason="Tomorrow")
    assert order.status == S.PACKED
    assert order.window_start == start
    assert order.parcels.count() == 1  # the parcels are kept for the new attempt
    order = order_deliver(order=order_out_for_delivery(order=order_plan(order=order)))
    assert order.status == S.DELIVERED
    assert order.attempts.count() == 2


def test_fail_needs_a_known_reason(stocked, make_order, tea):
    order = _to(make_order([(tea, 1)]), S.OUT_FOR_DELIVERY)
    with pytest.raises(ValidationFailed) as error:
        order_fail(order=order, reason="gremlins")
    assert error.value.errors[0]["field"] == "reason"


def test_reschedule_refuses_planned_orders_and_past_windows(stocked, make_order, tea):
    order = _to(make_order([(tea, 1)]), S.PLANNED)
    start, end = window(hours_from_now=5)
    with pytest.raises(Conflict) as error:
        order_reschedule(order=order, window_start=start, window_end=end)
    assert "removed from its route" in error.value.detail
    past = timezone.now() - timedelta(hours=3)
    with pytest.raises(ValidationFailed) as error:
        order_reschedule(order=order, window_start=past, window_end=past + timedelta(hours=1))
    assert error.value.errors[0]["field"] == "window_end"


def test_plan_unplan_and_repeat_calls_are_harmless(stocked, make_order, tea):
    order = _to(make_order([(tea, 1)]), S.PACKED)
    order = order_plan(order=order, route_ref="R-1")
    assert order_plan(order=order).status == S.PLANNED
    order = order_unplan(order=order, reason="Moved to tomorrow's plan")
    assert order.status == S.PACKED
    types = list(order.events.values_list("type", flat=True))
    assert types[-2:] == ["planned", "unplanned"]


def test_an_order_without_location_cannot_be_planned(stocked, make_order, tea):
    order = make_order([(tea, 1)], latitude=None, longitude=None)
    assert order.needs_location
    assert "set the point on the map" in order.location_note
    order = _to(order, S.PACKED)
    with pytest.raises(Conflict) as error:
        order_plan(order=order)
    assert error.value.code == "needs_location"


def test_arriving_adds_a_timeline_entry_only_when_out_for_delivery(stocked, make_order, tea):
    order = _to(make_order([(tea, 1)]), S.OUT_FOR_DELIVERY)
    order_arriving(order=order, eta=timezone.now() + timedelta(minutes=10))
    assert order.events.last().type == OrderEvent.Type.ARRIVING
    assert OutboxEvent.objects.filter(type="order.arriving").count() == 1
    order = order_deliver(order=order)
    with pytest.raises(Conflict):
        order_arriving(order=order)


def test_deliver_twice_ships_once(stocked, make_order, tea):
    order = _to(make_order([(tea, 2)]), S.DELIVERED)
    order_deliver(order=order)
    assert StockMove.objects.filter(kind="ship").count() == 1
    assert order.attempts.count() == 1


def test_pick_wave_picks_its_orders_and_lists_them(stocked, make_order, tea, kettle, warehouse):
    first = _to(make_order([(tea, 1)]), S.CONFIRMED)
    second = _to(make_order([(kettle, 2)], customer_email="other@example.com"), S.CONFIRMED)
    wave = pick_wave_create(warehouse=warehouse)
    assert set(wave.orders.values_list("pk", flat=True)) == {first.pk, second.pk}
    with pytest.raises(ValidationFailed):
        pick_wave_create(warehouse=warehouse)  # nothing left to wave
    pick_wave_complete(wave=wave)
    wave.refresh_from_db()
    assert wave.status == "done"
    assert set(CustomerOrder.objects.values_list("status", flat=True)) == {S.PICKED}


def test_pick_without_dispatch_location_is_a_clear_error(receive, make_order, tea):
    receive(tea, 5)
    order = order_confirm(order=make_order([(tea, 1)]))
    with pytest.raises(ValidationFailed) as error:
        order_pick(order=order)
    assert "dispatch location" in error.value.detail
    order.refresh_from_db()
    assert order.status == S.CONFIRMED


def test_pack_with_given_parcels_and_bad_parcel_input(stocked, make_order, tea):
    order = _to(make_order([(tea, 1)]), S.PICKED)
    with pytest.raises(ValidationFailed) as error:
        order_pack(order=order, parcels=[{"weight_kg": "0", "volume_m3": "0.01"}])
    assert error.value.errors[0]["field"] == "parcels[0].weight_kg"
    order = order_pack(
        order=order,
        parcels=[
            {"weight_kg": "1.2", "volume_m3": "0.01"},
            {"weight_kg": "0.8", "volume_m3": "0.02"},
        ],
    )
    assert [p.label_code[-2:] for p in order.parcels.all()] == ["01", "02"]


def test_heavy_orders_are_split_into_parcels_of_at_most_30_kg(receive, make_order, dispatch):
    from tests.factories import ProductFactory

    anvil = ProductFactory(sku="ANVIL", weight_kg=Decimal("20"), volume_m3=Decimal("0.01"))
    receive(anvil, 5)
    order = _to(make_order([(anvil, 4)]), S.PACKED)
    weights = [p.weight_kg for p in order.parcels.all()]
    assert len(weights) == 3
    assert all(w <= 30 for w in weights)
    assert abs(sum(weights) - 80) < Decimal("0.01")
