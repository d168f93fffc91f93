"""Order history brought in from before Waybill: delivered orders in bulk, no stock moves, no
events for partners, safe to run twice, bad rows refused as a whole."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.exceptions import ValidationFailed
from core.models import OutboxEvent
from inventory.models import StockMove
from orders.models import CustomerOrder
from orders.services import PastOrder, orders_history_import

pytestmark = pytest.mark.django_db


def _past(ref, product, *, days_ago=3, quantity=2):
    at = timezone.now() - timedelta(days=days_ago)
    return PastOrder(
        external_ref=ref,
        customer_name="Hanna Past",
        address="Torstraße 1, Berlin",
        window_start=at - timedelta(hours=1),
        window_end=at + timedelta(hours=1),
        delivered_at=at,
        lines=[(product, quantity, Decimal("2.50"))],
    )


def test_history_is_written_delivered_without_stock_moves_or_events(warehouse, tea, kettle):
    orders = [_past("H-1", tea), _past("H-2", kettle, days_ago=40, quantity=5)]
    assert orders_history_import(warehouse=warehouse, orders=orders) == 2
    order = CustomerOrder.objects.get(external_ref="H-2")
    line = order.lines.get()
    assert order.status == "delivered" and order.reference.startswith("ORD-")
    assert line.quantity == line.quantity_delivered == 5
    assert order.events.get().type == "delivered" and order.parcels.count() >= 1
    assert not StockMove.objects.exists() and not OutboxEvent.objects.exists()
    # Run twice: nothing new.
    assert orders_history_import(warehouse=warehouse, orders=orders) == 0
    assert CustomerOrder.objects.count() == 2


def test_a_delivery_in_the_future_refuses_the_whole_import(warehouse, tea):
    orders = [_past("H-1", tea), _past("H-2", tea, days_ago=-1)]
    with pytest.raises(ValidationFailed) as refused:
        orders_history_import(warehouse=warehouse, orders=orders)
    assert refused.value.errors[0]["field"] == "orders[1].at"
    assert not CustomerOrder.objects.exists()
