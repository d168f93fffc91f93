"""Fixtures for inventory tests: two warehouses with one location of each kind, a product."""

import pytest

from inventory.selectors.integrity import stock_drift
from tests.factories import LocationFactory, ProductFactory, WarehouseFactory


@pytest.fixture
def warehouse(db):
    return WarehouseFactory(code="BER", name="Berlin")


@pytest.fixture
def other_warehouse(db):
    return WarehouseFactory(code="HAM", name="Hamburg", timezone="Europe/Berlin")


@pytest.fixture
def shelf(warehouse):
    return LocationFactory(warehouse=warehouse, code="A-01-01", kind="storage")


@pytest.fixture
def shelf2(warehouse):
    return LocationFactory(warehouse=warehouse, code="A-01-02", kind="storage")


@pytest.fixture
def dispatch(warehouse):
    return LocationFactory(warehouse=warehouse, code="D-01", kind="dispatch")


@pytest.fixture
def quarantine(warehouse):
    return LocationFactory(warehouse=warehouse, code="Q-01", kind="quarantine")


@pytest.fixture
def far_shelf(other_warehouse):
    return LocationFactory(warehouse=other_warehouse, code="A-01-01", kind="storage")


@pytest.fixture
def product(db):
    return ProductFactory(sku="TEA-001", name="Green tea")


@pytest.fixture
def perishable(db):
    return ProductFactory(sku="MILK-1L", name="Milk 1 l", shelf_life_days=10)


@pytest.fixture
def assert_consistent():
    """Assert the ledger explains every stock row and reservations explain every counter."""

    def _check():
        assert stock_drift() == []

    return _check
