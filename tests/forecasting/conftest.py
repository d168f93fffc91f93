"""Forecasting fixtures: `history(product, quantities)` books delivered order lines, one per
day, ending yesterday in the warehouse's time zone (bulk inserts: years of history in a few
queries); `volume(counts)` books orders (stops) with a parcel each."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from itertools import count

import pytest

from inventory.selectors.stock import warehouse_today
from orders.models import Customer, CustomerOrder, OrderLine, Parcel
from tests.factories import CustomerFactory, ProductFactory, WarehouseFactory

_refs = count(1)


@pytest.fixture
def fc_warehouse(db):
    return WarehouseFactory(code="FCW", name="Forecast DC", timezone="Europe/Berlin")


@pytest.fixture
def widget(db):
    return ProductFactory(sku="FC-WIDGET", name="Widget")


@pytest.fixture
def customer(db) -> Customer:
    return CustomerFactory()


def _orders(warehouse, customer, days_quantities, status="delivered"):
    """One order per (day, quantity) with quantity > 0, delivered at noon local time."""
    tz = warehouse.tzinfo
    orders = []
    for day, _quantity in days_quantities:
        at = datetime.combine(day, time(12, 0), tzinfo=tz)
        n = next(_refs)
        orders.append(
            CustomerOrder(
                reference=f"ORD-2098-{n:07d}",
                customer=customer,
                warehouse=warehouse,
                status=status,
                address="Test 1",
                latitude=Decimal("52.5"),
                longitude=Decimal("13.4"),
                window_start=at,
                window_end=at + timedelta(hours=2),
                tracking_token=f"fc-token-{n:08d}-{'y' * 24}",
                delivered_at=at if status == "delivered" else None,
            )
        )
    return CustomerOrder.objects.bulk_create(orders)


@pytest.fixture
def history(fc_warehouse, customer):
    def _history(product, quantities, *, warehouse=None, end=None):
        warehouse = warehouse or fc_warehouse
        end = end or warehouse_today(warehouse) - timedelta(days=1)
        start = end - timedelta(days=len(quantities) - 1)
        days = [(start + timedelta(days=i), int(q)) for i, q in enumerate(quantities) if q > 0]
        orders = _orders(warehouse, customer, days)
        OrderLine.objects.bulk_create(
            OrderLine(
                order=o,
                product=product,
                quantity=q,
                quantity_reserved=q,
                quantity_picked=q,
                quantity_delivered=q,
            )
            for o, (_, q) in zip(orders, days, strict=True)
        )
        return orders

    return _history


@pytest.fixture
def volume(fc_warehouse, customer):
    """`volume(counts, start=None)`: counts[i] orders on day start+i (default: ending yesterday),
    each with one parcel."""

    def _volume(counts, *, start=None, status="delivered"):
        if start is None:
            start = warehouse_today(fc_warehouse) - timedelta(days=len(counts))
        days = [(start + timedelta(days=i), 1) for i, c in enumerate(counts) for _ in range(c)]
        orders = _orders(fc_warehouse, customer, days, status=status)
        Parcel.objects.bulk_create(
            Parcel(
                order=o,
                label_code=f"P-{o.reference}",
                weight_kg=Decimal("1"),
                volume_m3=Decimal("0.01"),
            )
            for o in orders
        )
        return orders

    return _volume
