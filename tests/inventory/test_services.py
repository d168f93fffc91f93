"""Stock services: receive, return, transfer, condition change, adjust, count, scrap, expiry."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.exceptions import InsufficientStock, ValidationFailed
from inventory.models import Lot, Stock, StockMove
from inventory.services import (
    stock_adjust,
    stock_condition_change,
    stock_count,
    stock_expire_due,
    stock_receive,
    stock_reserve,
    stock_return,
    stock_row_ensure,
    stock_scrap,
    stock_transfer,
)
from tests.factories import LocationFactory, LotFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _error_fields(excinfo):
    return [e["field"] for e in excinfo.value.errors]


def test_receive_creates_stock_and_a_receipt_in_the_ledger(
    product, shelf, warehouse_user, assert_consistent
):
    stock = stock_receive(
        product=product,
        location=shelf,
        quantity=12,
        reference="PO-2026-000001",
        user=warehouse_user,
    )
    assert (stock.on_hand, stock.reserved, stock.condition) == (12, 0, "good")
    move = StockMove.objects.get()
    assert move.kind == "receive"
    assert move.to_stock == stock and move.from_stock is None
    assert (move.to_location, move.to_condition, move.quantity) == (shelf, "good", 12)
    assert move.reference == "PO-2026-000001" and move.user == warehouse_user
    assert_consistent()


def test_receiving_twice_adds_to_the_same_row(product, shelf, assert_consistent):
    stock_receive(product=product, location=shelf, quantity=5)
    stock = stock_receive(product=product, location=shelf, quantity=7)
    assert Stock.objects.count() == 1
    assert stock.on_hand == 12
    assert_consistent()


def test_receive_with_lot_code_creates_the_lot_with_expiry(product, shelf):
    expiry = date.today() + timedelta(days=30)
    stock = stock_receive(
        product=product, location=shelf, quantity=3, lot_code="L1", expires_at=expiry
    )
    assert stock.lot.code == "L1" and stock.lot.expires_at == expiry
    again = stock_receive(product=product, location=shelf, quantity=2, lot_code="L1")
    assert again.pk == stock.pk and again.on_hand == 5


def test_receive_with_conflicting_expiry_for_an_existing_lot_is_refused(product, shelf):
    stock_receive(
        product=product, location=shelf, quantity=3, lot_code="L1", expires_at=date(2030, 1, 1)
    )
    with pytest.raises(ValidationFailed) as excinfo:
        stock_receive(
            product=product, location=shelf, quantity=3, lot_code="L1", expires_at=date(2031, 1, 1)
        )
    assert _error_fields(excinfo) == ["expires_at"]
    assert Stock.objects.get().on_hand == 3


def test_perishable_without_lot_gets_an_automatic_lot_expiring_after_its_shelf_life(
    perishable, shelf
):
    stock = stock_receive(product=perishable, location=shelf, quantity=4)
    today = timezone.now().date()
    assert stock.lot.code == f"AUTO-{today:%Y%m%d}"
    assert stock.lot.expires_at == today + timedelta(days=10)


def test_receive_with_unit_cost_updates_the_moving_average(product, shelf):
    product.unit_cost = Decimal("0")
    product.save()
    stock_receive(product=product, location=shelf, quantity=10, unit_cost=Decimal("2.00"))
    stock_receive(product=product, location=shelf, quantity=30, unit_cost=Decimal("4.00"))
    product.refresh_from_db()
    assert product.unit_cost == Decimal("3.5000")  # (10 x 2 + 30 x 4) / 40


@pytest.mark.parametrize("quantity", [0, -3, 1.5, "5", True])
def test_receive_refuses_zero_negative_and_non_integer_quantities(product, shelf, quantity):
    with pytest.raises(ValidationFailed) as excinfo:
        stock_receive(product=product, location=shelf, quantity=quantity)
    assert _error_fields(excinfo) == ["quantity"]
    assert not Stock.objects.exists() and not StockMove.objects.exists()


def test_receive_refuses_an_inactive_product(product, shelf):
    product.is_active = False
    product.save()
    with pytest.raises(ValidationFailed) as excinfo:
        stock_receive(product=product, location=shelf, quantity=1)
    assert _error_fields(excinfo) == ["product"]
    assert not StockMove.objects.exists()


def test_receive_refuses_an_inactive_location(product, shelf):
    shelf.is_active = False
    shelf.save()
    with pytest.raises(ValidationFailed) as excinfo:
        stock_receive(product=product, location=shelf, quantity=1)
    assert _error_fields(excinfo) == ["location"]


def test_receive_refuses_a_lot_of_another_product(product, shelf):
    foreign = LotFactory(product=ProductFactory(sku="OTHER"))
    with pytest.raises(ValidationFailed) as excinfo:
        stock_receive(product=product, location=shelf, quantity=1, lot=foreign)
    assert _error_fields(excinfo) == ["lot"]
    assert not StockMove.objects.exists()


def test_receive_refuses_an_unknown_condition(product, shelf):
    with pytest.raises(ValidationFailed) as excinfo:
        stock_receive(product=product, location=shelf, quantity=1, condition="shiny")
    assert _error_fields(excinfo) == ["condition"]


def test_transfer_moves_units_and_keeps_the_lot_and_arrival(
    product, shelf, shelf2, assert_consistent
):
    arrived = timezone.now() - timedelta(days=40)
    source = stock_receive(
        product=product, location=shelf, quantity=10, lot_code="L1", received_at=arrived
    )
    target = stock_transfer(stock=source, to_location=shelf2, quantity=4, reason="re-slot")
    source.refresh_from_db()
    assert (source.on_hand, target.on_hand) == (6, 4)
    assert target.lot == source.lot and target.received_at == arrived
    move = StockMove.objects.get(kind="transfer")
    assert (move.from_location, move.to_location, move.quantity) == (shelf, shelf2, 4)
    assert_consistent()


def test_transfer_cannot_move_reserved_units(product, shelf, shelf2, warehouse):
    source = stock_receive(product=product, location=shelf, quantity=10)
    stock_reserve(product=product, warehouse=warehouse, quantity=8, demand_ref="ORD-1#1")
    with pytest.raises(InsufficientStock) as excinfo:
        stock_transfer(stock=source, to_location=shelf2, quantity=3)
    assert excinfo.value.extra["available"] == 2
    assert _error_fields(excinfo) == ["quantity"]
    source.refresh_from_db()
    assert (source.on_hand, source.reserved) == (10, 8)
    assert not StockMove.objects.filter(kind="transfer").exists()


def test_transfer_of_more_than_on_hand_is_refused_and_writes_nothing(product, shelf, shelf2):
    source = stock_receive(product=product, location=shelf, quantity=2)
    with pytest.raises(InsufficientStock):
        stock_transfer(stock=source, to_location=shelf2, quantity=3)
    assert not Stock.objects.filter(location=shelf2, on_hand__gt=0).exists()


def test_transfer_within_a_warehouse_refuses_a_location_of_another(product, shelf, far_shelf):
    source = stock_receive(product=product, location=shelf, quantity=5)
    with pytest.raises(ValidationFailed) as excinfo:
        stock_transfer(stock=source, to_location=far_shelf, quantity=1)
    assert _error_fields(excinfo) == ["to_location"]


def test_transfer_between_warehouses_when_asked(product, shelf, far_shelf, assert_consistent):
    source = stock_receive(product=product, location=shelf, quantity=5)
    target = stock_transfer(
        stock=source, to_location=far_shelf, quantity=5, between_warehouses=True
    )
    assert target.location.warehouse.code == "HAM" and target.on_hand == 5
    assert_consistent()


def test_transfer_to_the_same_location_is_refused(product, shelf):
    source = stock_receive(product=product, location=shelf, quantity=5)
    with pytest.raises(ValidationFailed) as excinfo:
        stock_transfer(stock=source, to_location=shelf, quantity=1)
    assert _error_fields(excinfo) == ["to_location"]


def test_condition_change_to_quarantine_moves_units(product, shelf, quarantine, assert_consistent):
    source = stock_receive(product=product, location=shelf, quantity=6)
    target = stock_condition_change(
        stock=source,
        to_condition="quarantined",
        quantity=2,
        to_location=quarantine,
        reason="Leaking",
    )
    assert (target.condition, target.location, target.on_hand) == ("quarantined", quarantine, 2)
    move = StockMove.objects.get(kind="condition")
    assert (move.from_condition, move.to_condition, move.reason) == (
        "good",
        "quarantined",
        "Leaking",
    )
    assert_consistent()


def test_condition_change_requires_a_reason_and_a_different_condition(product, shelf):
    source = stock_receive(product=product, location=shelf, quantity=6)
    with pytest.raises(ValidationFailed) as excinfo:
        stock_condition_change(stock=source, to_condition="damaged", quantity=1, reason="  ")
    assert _error_fields(excinfo) == ["reason"]
    with pytest.raises(ValidationFailed) as excinfo:
        stock_condition_change(stock=source, to_condition="good", quantity=1, reason="x")
    assert _error_fields(excinfo) == ["to_condition"]


def test_adjust_requires_a_reason_and_records_direction(product, shelf, assert_consistent):
    stock = stock_receive(product=product, location=shelf, quantity=5)
    with pytest.raises(ValidationFailed) as excinfo:
        stock_adjust(stock=stock, delta=-1, reason="")
    assert _error_fields(excinfo) == ["reason"]
    stock = stock_adjust(stock=stock, delta=-2, reason="Broken in handling")
    stock = stock_adjust(stock=stock, delta=+1, reason="Found behind shelf")
    assert stock.on_hand == 4
    out, back = StockMove.objects.filter(kind="adjust").order_by("id")
    assert out.from_stock == stock and out.to_stock is None and out.quantity == 2
    assert back.to_stock == stock and back.from_stock is None and back.quantity == 1
    assert_consistent()


def test_adjust_below_reserved_is_refused(product, shelf, warehouse):
    stock = stock_receive(product=product, location=shelf, quantity=5)
    stock_reserve(product=product, warehouse=warehouse, quantity=4, demand_ref="ORD-9#1")
    with pytest.raises(InsufficientStock) as excinfo:
        stock_adjust(stock=stock, delta=-2, reason="Count")
    assert _error_fields(excinfo) == ["delta"]
    stock.refresh_from_db()
    assert stock.on_hand == 5


def test_adjust_of_zero_is_refused(product, shelf):
    stock = stock_receive(product=product, location=shelf, quantity=5)
    with pytest.raises(ValidationFailed) as excinfo:
        stock_adjust(stock=stock, delta=0, reason="nothing")
    assert _error_fields(excinfo) == ["delta"]


def test_cycle_count_sets_the_counted_quantity_and_records_the_difference(
    product, shelf, assert_consistent
):
    stock = stock_receive(product=product, location=shelf, quantity=9)
    stock = stock_count(stock=stock, counted=7)
    assert stock.on_hand == 7
    move = StockMove.objects.get(kind="count")
    assert move.from_stock == stock and move.quantity == 2
    assert move.reason.startswith("Cycle count: counted 7, system 9 (-2)")
    stock = stock_count(stock=stock, counted=7)
    assert StockMove.objects.filter(kind="count").count() == 2  # a matching count is recorded too
    assert_consistent()


def test_cycle_count_below_reserved_is_refused(product, shelf, warehouse):
    stock = stock_receive(product=product, location=shelf, quantity=9)
    stock_reserve(product=product, warehouse=warehouse, quantity=5, demand_ref="ORD-1#1")
    with pytest.raises(InsufficientStock) as excinfo:
        stock_count(stock=stock, counted=4)
    assert _error_fields(excinfo) == ["counted"]


def test_scrap_removes_unreserved_units_only(product, shelf, warehouse, assert_consistent):
    stock = stock_receive(product=product, location=shelf, quantity=5, condition="damaged")
    stock = stock_scrap(stock=stock, quantity=2, reason="Crushed")
    assert stock.on_hand == 3
    good = stock_receive(product=product, location=shelf, quantity=3)
    stock_reserve(product=product, warehouse=warehouse, quantity=3, demand_ref="ORD-2#1")
    with pytest.raises(InsufficientStock):
        stock_scrap(stock=good, quantity=1, reason="oops")
    assert_consistent()


def test_return_can_restock_or_quarantine(product, shelf, quarantine, assert_consistent):
    good = stock_return(
        product=product, location=shelf, quantity=1, condition="good", reference="RMA-1"
    )
    bad = stock_return(
        product=product, location=quarantine, quantity=1, condition="quarantined", reference="RMA-2"
    )
    assert good.condition == "good" and bad.condition == "quarantined"
    assert set(StockMove.objects.values_list("kind", flat=True)) == {"return"}
    assert_consistent()


def test_expire_due_regrades_good_unreserved_units_of_expired_lots(
    product, shelf, warehouse, assert_consistent
):
    old = stock_receive(
        product=product,
        location=shelf,
        quantity=5,
        lot_code="OLD",
        expires_at=date.today() - timedelta(days=1),
    )
    fresh = stock_receive(
        product=product,
        location=shelf,
        quantity=5,
        lot_code="NEW",
        expires_at=date.today() + timedelta(days=9),
    )
    assert stock_expire_due() == 5
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.on_hand == 0 and fresh.on_hand == 5
    assert Stock.objects.get(lot__code="OLD", condition="expired").on_hand == 5
    assert stock_expire_due() == 0
    assert_consistent()


def test_row_ensure_lets_found_stock_be_adjusted_into_a_new_place(
    product, shelf2, assert_consistent
):
    row = stock_row_ensure(product=product, location=shelf2)
    assert row.on_hand == 0
    row = stock_adjust(stock=row, delta=3, reason="Found during count")
    assert row.on_hand == 3
    assert_consistent()


def test_lot_of_other_product_is_refused_by_row_ensure(product, shelf):
    lot = Lot.objects.create(
        product=ProductFactory(sku="X-1"), code="L", received_at=timezone.now()
    )
    with pytest.raises(ValidationFailed):
        stock_row_ensure(product=product, location=shelf, lot=lot)


def test_inactive_location_as_transfer_target_is_refused(product, shelf, warehouse):
    closed = LocationFactory(warehouse=warehouse, code="Z-99", is_active=False)
    source = stock_receive(product=product, location=shelf, quantity=5)
    with pytest.raises(ValidationFailed) as excinfo:
        stock_transfer(stock=source, to_location=closed, quantity=1)
    assert _error_fields(excinfo) == ["to_location"]


def test_inventory_check_reports_drift_and_exits_non_zero(product, shelf):
    from io import StringIO

    from django.core.management import CommandError, call_command
    from django.db import connection

    stock = stock_receive(product=product, location=shelf, quantity=5)
    out = StringIO()
    call_command("inventory_check", stdout=out)
    assert "OK: 1 stock rows agree" in out.getvalue()
    with connection.cursor() as cursor:  # simulate a write that bypassed the services
        cursor.execute("UPDATE inventory_stock SET on_hand = 7 WHERE id = %s", [stock.pk])
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 1 stock rows drift"):
        call_command("inventory_check", stdout=out)
    assert "on_hand 7 but ledger says 5 (+2)" in out.getvalue()


def test_expire_task_runs_the_service(product, shelf):
    from inventory.tasks import inventory_check_task, inventory_expire_lots_task

    stock_receive(
        product=product, location=shelf, quantity=2, lot_code="OLD", expires_at=date(2020, 1, 1)
    )
    assert inventory_expire_lots_task.delay().get() == 2
    assert inventory_check_task.delay().get() == 0


def test_a_lot_expires_at_the_end_of_its_date_where_its_warehouse_is(
    product, shelf, monkeypatch, assert_consistent
):
    """At 23:30 UTC on 4 May it is 5 May in Berlin (the warehouse's zone): a lot that expired
    on 4 May is past its date there, though the server's (UTC) calendar still says 4 May."""
    lot = stock_receive(
        product=product, location=shelf, quantity=3, lot_code="MAY4", expires_at=date(2026, 5, 4)
    )
    late = datetime(2026, 5, 4, 23, 30, tzinfo=UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: late)

    assert stock_expire_due() == 3
    lot.refresh_from_db()
    assert lot.on_hand == 0
    assert_consistent()
