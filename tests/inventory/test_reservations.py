"""Reserve (FEFO/FIFO, all or nothing), release, pick into dispatch, ship."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from core.exceptions import Conflict, InsufficientStock, InvalidTransition, ValidationFailed
from inventory.models import Reservation, Stock, StockMove
from inventory.selectors import available_to_promise, stock_available
from inventory.services import (
    reservation_release,
    reservations_release,
    stock_pick,
    stock_receive,
    stock_reserve,
    stock_ship,
)
from inventory.supply import incoming_provider_register, incoming_provider_unregister
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db


def test_fefo_takes_the_lot_expiring_first_regardless_of_arrival(product, shelf, shelf2, warehouse):
    today = date.today()
    stock_receive(
        product=product,
        location=shelf,
        quantity=5,
        lot_code="LATE",
        expires_at=today + timedelta(60),
    )
    stock_receive(
        product=product,
        location=shelf2,
        quantity=5,
        lot_code="SOON",
        expires_at=today + timedelta(5),
    )
    reservations = stock_reserve(
        product=product, warehouse=warehouse, quantity=7, demand_ref="ORD-1#1"
    )
    assert [(r.stock.lot.code, r.quantity) for r in reservations] == [("SOON", 5), ("LATE", 2)]


def test_fifo_takes_the_oldest_arrival_when_nothing_expires(product, shelf, shelf2, warehouse):
    now = timezone.now()
    stock_receive(product=product, location=shelf, quantity=5, received_at=now - timedelta(days=1))
    stock_receive(
        product=product, location=shelf2, quantity=5, received_at=now - timedelta(days=30)
    )
    reservations = stock_reserve(
        product=product, warehouse=warehouse, quantity=6, demand_ref="ORD-1#1"
    )
    assert [(r.stock.location.code, r.quantity) for r in reservations] == [
        ("A-01-02", 5),
        ("A-01-01", 1),
    ]


def test_fifo_between_lots_without_expiry_uses_the_lot_arrival(product, shelf, warehouse):
    now = timezone.now()
    stock_receive(product=product, location=shelf, quantity=3, lot_code="NEW", received_at=now)
    stock_receive(
        product=product, location=shelf, quantity=3, lot_code="OLD", received_at=now - timedelta(10)
    )
    reservations = stock_reserve(product=product, warehouse=warehouse, quantity=3, demand_ref="D#1")
    assert [r.stock.lot.code for r in reservations] == ["OLD"]


def test_only_good_stock_outside_quarantine_and_unexpired_is_reserved(
    product, shelf, quarantine, warehouse
):
    stock_receive(product=product, location=shelf, quantity=4, condition="damaged")
    stock_receive(product=product, location=quarantine, quantity=4)
    stock_receive(
        product=product,
        location=shelf,
        quantity=4,
        lot_code="GONE",
        expires_at=date.today() - timedelta(1),
    )
    stock_receive(product=product, location=shelf, quantity=2)
    assert stock_available(product=product, warehouse=warehouse) == 2
    with pytest.raises(InsufficientStock) as excinfo:
        stock_reserve(product=product, warehouse=warehouse, quantity=3, demand_ref="D#1")
    assert excinfo.value.extra == {
        "requested": 3,
        "available": 2,
        "shortfall": 1,
        "product": product.sku,
        "warehouse": "BER",
    }
    assert excinfo.value.status == 409


def test_reserve_is_all_or_nothing(product, shelf, shelf2, warehouse):
    stock_receive(product=product, location=shelf, quantity=2)
    stock_receive(product=product, location=shelf2, quantity=2)
    with pytest.raises(InsufficientStock):
        stock_reserve(product=product, warehouse=warehouse, quantity=5, demand_ref="D#1")
    assert not Reservation.objects.exists()
    assert set(Stock.objects.values_list("reserved", flat=True)) == {0}
    assert not StockMove.objects.filter(kind="reserve").exists()


def test_reserve_only_looks_in_the_given_warehouse(product, far_shelf, warehouse):
    stock_receive(product=product, location=far_shelf, quantity=10)
    with pytest.raises(InsufficientStock):
        stock_reserve(product=product, warehouse=warehouse, quantity=1, demand_ref="D#1")


def test_reserve_records_the_demand_and_ledger_rows(
    product, shelf, warehouse, warehouse_user, assert_consistent
):
    stock_receive(product=product, location=shelf, quantity=10)
    (reservation,) = stock_reserve(
        product=product,
        warehouse=warehouse,
        quantity=4,
        demand_ref="ORD-2026-000001#3",
        demand_id=3,
        user=warehouse_user,
    )
    assert (reservation.demand_ref, reservation.demand_id, reservation.state) == (
        "ORD-2026-000001#3",
        3,
        "reserved",
    )
    assert Stock.objects.get().reserved == 4
    move = StockMove.objects.get(kind="reserve")
    assert move.reference == "ORD-2026-000001#3" and move.from_stock == move.to_stock
    assert stock_available(product=product, warehouse=warehouse) == 6
    assert_consistent()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -1}, "quantity"),
        ({"demand_ref": " "}, "demand_ref"),
    ],
)
def test_reserve_bad_input_names_the_field(product, shelf, warehouse, kwargs, field):
    stock_receive(product=product, location=shelf, quantity=10)
    params = {
        "product": product,
        "warehouse": warehouse,
        "quantity": 1,
        "demand_ref": "D#1",
        **kwargs,
    }
    with pytest.raises(ValidationFailed) as excinfo:
        stock_reserve(**params)
    assert excinfo.value.errors[0]["field"] == field


def test_reserve_refuses_an_inactive_product(product, shelf, warehouse):
    stock_receive(product=product, location=shelf, quantity=10)
    product.is_active = False
    product.save()
    with pytest.raises(ValidationFailed) as excinfo:
        stock_reserve(product=product, warehouse=warehouse, quantity=1, demand_ref="D#1")
    assert excinfo.value.errors[0]["field"] == "product"


def test_release_by_demand_gives_units_back_and_is_safe_twice(
    product, shelf, shelf2, warehouse, assert_consistent
):
    stock_receive(product=product, location=shelf, quantity=3)
    stock_receive(product=product, location=shelf2, quantity=3)
    stock_reserve(product=product, warehouse=warehouse, quantity=5, demand_ref="D#1")
    assert reservations_release(demand_ref="D#1", reason="Order cancelled") == 5
    assert reservations_release(demand_ref="D#1") == 0
    assert set(Reservation.objects.values_list("state", flat=True)) == {"released"}
    assert stock_available(product=product, warehouse=warehouse) == 6
    assert StockMove.objects.filter(kind="release").count() == 2
    assert_consistent()


def test_releasing_a_released_reservation_is_an_invalid_transition(product, shelf, warehouse):
    stock_receive(product=product, location=shelf, quantity=3)
    (reservation,) = stock_reserve(
        product=product, warehouse=warehouse, quantity=1, demand_ref="D#1"
    )
    reservation_release(reservation=reservation)
    with pytest.raises(InvalidTransition) as excinfo:
        reservation_release(reservation=reservation)
    assert excinfo.value.extra["current_state"] == "released"


def test_pick_moves_reserved_units_to_dispatch_still_reserved(
    product, shelf, dispatch, warehouse, assert_consistent
):
    stock_receive(product=product, location=shelf, quantity=10, lot_code="L1")
    stock_reserve(product=product, warehouse=warehouse, quantity=4, demand_ref="D#1")
    moves = stock_pick(demand_ref="D#1", to_location=dispatch)
    assert [(m.kind, m.from_location, m.to_location, m.quantity) for m in moves] == [
        ("pick", shelf, dispatch, 4)
    ]
    source = Stock.objects.get(location=shelf)
    target = Stock.objects.get(location=dispatch)
    assert (source.on_hand, source.reserved) == (6, 0)
    assert (target.on_hand, target.reserved, target.lot.code) == (4, 4, "L1")
    reservation = Reservation.objects.get()
    assert (reservation.state, reservation.stock) == ("picked", target)
    assert stock_pick(demand_ref="D#1", to_location=dispatch) == []
    # Picked units are not available to anyone else.
    assert stock_available(product=product, warehouse=warehouse) == 6
    assert_consistent()


def test_pick_refuses_a_non_dispatch_location_and_an_unknown_demand(
    product, shelf, shelf2, dispatch, warehouse
):
    stock_receive(product=product, location=shelf, quantity=10)
    stock_reserve(product=product, warehouse=warehouse, quantity=4, demand_ref="D#1")
    with pytest.raises(ValidationFailed) as excinfo:
        stock_pick(demand_ref="D#1", to_location=shelf2)
    assert excinfo.value.errors[0]["field"] == "to_location"
    with pytest.raises(Conflict):
        stock_pick(demand_ref="NOPE", to_location=dispatch)


def test_pick_into_another_warehouse_is_refused(product, shelf, other_warehouse, warehouse):
    far_dispatch = LocationFactory(warehouse=other_warehouse, code="D-01", kind="dispatch")
    stock_receive(product=product, location=shelf, quantity=10)
    stock_reserve(product=product, warehouse=warehouse, quantity=4, demand_ref="D#1")
    with pytest.raises(ValidationFailed):
        stock_pick(demand_ref="D#1", to_location=far_dispatch)
    assert Reservation.objects.get().state == "reserved"


def test_ship_removes_picked_units_and_is_idempotent(
    product, shelf, dispatch, warehouse, assert_consistent
):
    stock_receive(product=product, location=shelf, quantity=10)
    stock_reserve(product=product, warehouse=warehouse, quantity=4, demand_ref="D#1")
    stock_pick(demand_ref="D#1", to_location=dispatch)
    moves = stock_ship(demand_ref="D#1")
    assert [(m.kind, m.from_location, m.quantity) for m in moves] == [("ship", dispatch, 4)]
    assert Stock.objects.get(location=dispatch).on_hand == 0
    assert Reservation.objects.get().state == "shipped"
    assert stock_ship(demand_ref="D#1") == []
    assert_consistent()


def test_ship_before_pick_is_an_invalid_transition(product, shelf, warehouse):
    stock_receive(product=product, location=shelf, quantity=10)
    stock_reserve(product=product, warehouse=warehouse, quantity=4, demand_ref="D#1")
    with pytest.raises(InvalidTransition):
        stock_ship(demand_ref="D#1")
    assert Stock.objects.get().on_hand == 10


def test_releasing_a_picked_reservation_leaves_units_free_in_dispatch(
    product, shelf, dispatch, warehouse, assert_consistent
):
    stock_receive(product=product, location=shelf, quantity=10)
    stock_reserve(product=product, warehouse=warehouse, quantity=4, demand_ref="D#1")
    stock_pick(demand_ref="D#1", to_location=dispatch)
    assert reservations_release(demand_ref="D#1") == 4
    target = Stock.objects.get(location=dispatch)
    assert (target.on_hand, target.reserved) == (4, 0)
    assert stock_available(product=product, warehouse=warehouse) == 10
    assert_consistent()


def test_available_to_promise_adds_units_on_order_from_registered_providers(
    product, shelf, warehouse
):
    stock_receive(product=product, location=shelf, quantity=5)

    def provider(*, product_ids, warehouse_ids):
        return {(product.pk, warehouse.pk): 20}

    incoming_provider_register(provider)
    try:
        assert available_to_promise(product=product, warehouse=warehouse) == 25
        assert (
            available_to_promise(product=product, warehouse=warehouse, include_on_order=False) == 5
        )
    finally:
        incoming_provider_unregister(provider)
