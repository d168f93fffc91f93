"""Real threads against PostgreSQL: concurrent confirmations never oversell or deadlock."""

import threading

import pytest
from django.db import connection

from core.exceptions import InsufficientStock
from inventory.models import Reservation, Stock
from orders.models import CustomerOrder
from orders.services import order_cancel, order_confirm


@pytest.fixture
def _restore_role_groups():
    """The flush after a transactional test drops the role groups a migration created."""
    yield
    from django.contrib.auth.models import Group

    from core.roles import Role

    for role in Role.values:
        Group.objects.get_or_create(name=role)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_confirmations_never_oversell(
    _restore_role_groups, receive, make_order, tea, kettle, dispatch, assert_consistent
):
    receive(tea, 10)
    receive(kettle, 7)  # the scarce one: only 7 orders can be confirmed
    orders = []
    for i in range(20):
        # Half list the products the other way round: lock order must still be consistent.
        lines = [(tea, 1), (kettle, 1)] if i % 2 else [(kettle, 1), (tea, 1)]
        orders.append(make_order(lines, customer_email=f"c{i}@example.com"))

    barrier = threading.Barrier(len(orders))
    outcomes: list[str] = []
    lock = threading.Lock()

    def confirm(order):
        try:
            barrier.wait()
            order_confirm(order=order)
            result = "confirmed"
        except InsufficientStock:
            result = "short"
        except Exception as exc:
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=confirm, args=(o,)) for o in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["confirmed"] * 7 + ["short"] * 13
    assert CustomerOrder.objects.filter(status="confirmed").count() == 7
    assert Stock.objects.get(product=kettle).reserved == 7
    assert Stock.objects.get(product=tea).reserved == 7
    assert Reservation.objects.filter(state="reserved").count() == 14
    # The refused orders hold nothing; cancelling the confirmed ones gives everything back.
    for order in CustomerOrder.objects.filter(status="confirmed"):
        order_cancel(order=order)
    assert Stock.objects.get(product=kettle).reserved == 0
    assert_consistent()
