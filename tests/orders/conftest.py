"""Fixtures for customer order tests: a Berlin warehouse with storage, dispatch, quarantine and
returns locations, two products in stock, and `make_order` that goes through order_create."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.selectors.integrity import stock_drift
from inventory.services import stock_receive
from orders.services import order_create
from tests.factories import LocationFactory, ProductFactory, WarehouseFactory


@pytest.fixture
def warehouse(db):
    return WarehouseFactory(code="BER", name="Berlin", timezone="Europe/Berlin")


@pytest.fixture
def shelf(warehouse):
    return LocationFactory(warehouse=warehouse, code="A-01-01", kind="storage")


@pytest.fixture
def dispatch(warehouse):
    return LocationFactory(warehouse=warehouse, code="D-01", kind="dispatch")


@pytest.fixture
def quarantine(warehouse):
    return LocationFactory(warehouse=warehouse, code="Q-01", kind="quarantine")


@pytest.fixture
def returns_location(warehouse):
    return LocationFactory(warehouse=warehouse, code="R-01", kind="returns")


@pytest.fixture
def tea(db):
    return ProductFactory(
        sku="TEA-001", name="Green tea", weight_kg=Decimal("0.250"), volume_m3=Decimal("0.001")
    )


@pytest.fixture
def kettle(db):
    return ProductFactory(
        sku="KET-001", name="Kettle", weight_kg=Decimal("1.500"), volume_m3=Decimal("0.008")
    )


@pytest.fixture
def receive(shelf):
    def _receive(product, quantity, location=None):
        return stock_receive(product=product, location=location or shelf, quantity=quantity)

    return _receive


@pytest.fixture
def stocked(receive, tea, kettle, dispatch):
    """10 tea and 5 kettles on shelf A-01-01; the dispatch location exists."""
    receive(tea, 10)
    receive(kettle, 5)


def window(hours_from_now: float = 2, length_h: float = 2):
    start = timezone.now() + timedelta(hours=hours_from_now)
    return start, start + timedelta(hours=length_h)


@pytest.fixture
def make_order(warehouse):
    def _make(lines, **kwargs):
        start, end = window()
        params = {
            "warehouse": warehouse,
            "address": "Torstraße 1, 10119 Berlin",
            "latitude": Decimal("52.529"),
            "longitude": Decimal("13.401"),
            "window_start": start,
            "window_end": end,
            "customer_name": "Clara Customer",
            "customer_email": "clara@example.com",
            "lines": [{"product": p, "quantity": q} for p, q in lines],
        }
        params.update(kwargs)
        return order_create(**params)

    return _make


@pytest.fixture
def assert_consistent():
    """The inventory ledger explains every stock row and reservations explain every counter."""

    def _check():
        assert stock_drift() == []

    return _check
