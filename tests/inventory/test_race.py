"""Concurrent reservations against real PostgreSQL: no oversell, no deadlock."""

import threading

import pytest
from django.db import connection, connections

from core.exceptions import InsufficientStock
from inventory.models import Location, Product, Reservation, Stock, Warehouse
from inventory.selectors.integrity import stock_drift
from inventory.services import stock_receive, stock_reserve, stock_transfer
from tests.factories import LocationFactory, ProductFactory, WarehouseFactory

THREADS = 40
TRIALS = 20


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _run_threads(count, target):
    barrier = threading.Barrier(count)
    outcomes = []
    lock = threading.Lock()

    def worker(index):
        try:
            barrier.wait()
            result = target(index)
        except Exception as exc:  # collected and asserted on below
            result = exc
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a worker hung (deadlock?)"
    return outcomes


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_forty_concurrent_reservations_of_one_unit_against_ten_never_oversell():
    warehouse = WarehouseFactory(code="RACE")
    location = LocationFactory(warehouse=warehouse, code="A-01-01")
    deadlocks_before = _deadlocks()
    for trial in range(TRIALS):
        product = ProductFactory(sku=f"RACE-{trial}")
        stock_receive(product=product, location=location, quantity=10)
        product_id, warehouse_id = product.pk, warehouse.pk

        def reserve(index, product_id=product_id, warehouse_id=warehouse_id, trial=trial):
            return stock_reserve(
                product=Product.objects.get(pk=product_id),
                warehouse=Warehouse.objects.get(pk=warehouse_id),
                quantity=1,
                demand_ref=f"T{trial}#{index}",
            )

        outcomes = _run_threads(THREADS, reserve)
        successes = [o for o in outcomes if isinstance(o, list)]
        refusals = [o for o in outcomes if isinstance(o, InsufficientStock)]
        others = [o for o in outcomes if not isinstance(o, list | InsufficientStock)]
        assert others == [], f"trial {trial}: unexpected errors {others[:3]}"
        assert (len(successes), len(refusals)) == (10, 30), f"trial {trial}"
        assert all(exc.status == 409 for exc in refusals)
        stock = Stock.objects.get(product=product)
        assert (stock.on_hand, stock.reserved) == (10, 10)
        assert Reservation.objects.filter(product=product).count() == 10
    assert _deadlocks() == deadlocks_before
    assert stock_drift() == []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_opposite_transfers_and_reservations_do_not_deadlock():
    warehouse = WarehouseFactory(code="DLK")
    a = LocationFactory(warehouse=warehouse, code="A-01-01")
    b = LocationFactory(warehouse=warehouse, code="B-01-01")
    product = ProductFactory(sku="DLK-1")
    stock_receive(product=product, location=a, quantity=100)
    stock_receive(product=product, location=b, quantity=100)
    deadlocks_before = _deadlocks()

    def work(index):
        source, target = (a, b) if index % 2 else (b, a)
        if index % 3 == 0:
            return stock_reserve(
                product=Product.objects.get(pk=product.pk),
                warehouse=Warehouse.objects.get(pk=warehouse.pk),
                quantity=1,
                demand_ref=f"DLK#{index}",
            )
        row = Stock.objects.select_related("location", "product", "lot").get(
            product_id=product.pk, location_id=source.pk, condition="good"
        )
        return stock_transfer(stock=row, to_location=Location.objects.get(pk=target.pk), quantity=1)

    outcomes = _run_threads(30, work)
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert _deadlocks() == deadlocks_before
    assert sum(Stock.objects.filter(product=product).values_list("on_hand", flat=True)) == 200
    assert stock_drift() == []
