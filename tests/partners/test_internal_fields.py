"""Internal costs (a product's unit cost, a stock move's unit cost) never reach partner keys;
staff sessions still see them."""

from decimal import Decimal

import pytest

from core.roles import Role
from inventory.services.access import partner_warehouse_grant
from tests.factories import LocationFactory, ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def _keys(value) -> set[str]:
    """Every key anywhere in a JSON document."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@pytest.fixture
def shelf(db):
    return LocationFactory(warehouse=WarehouseFactory(code="BER"), code="A-01", kind="storage")


@pytest.fixture
def product(db):
    return ProductFactory(sku="SKU-1", unit_cost=Decimal("4.2500"))


def _receive(client, product, shelf):
    return client.post(
        "/api/v1/stock/receive/",
        {"product": product.sku, "location": shelf.pk, "quantity": 3, "unit_cost": "4.25"},
        format="json",
    )


def test_partner_key_never_sees_unit_costs(partner_api, product, shelf):
    client = partner_api(scopes=["stock:read", "stock:write", "orders:read"])
    partner_warehouse_grant(partner=client.partner, warehouse=shelf.warehouse)
    received = _receive(client, product, shelf)
    assert received.status_code == 201, received.content
    assert received.json()["move"]["kind"] == "receive"
    responses = [
        received,
        client.get("/api/v1/products/"),
        client.get(f"/api/v1/products/{product.sku}/"),
        client.get("/api/v1/stock/"),
        client.get("/api/v1/orders/"),
    ]
    for response in responses:
        assert response.status_code in (200, 201), (response.request["PATH_INFO"], response.content)
        assert not {k for k in _keys(response.json()) if "cost" in k}, response.json()


def test_staff_still_see_unit_costs(staff_api, product, shelf):
    client = staff_api(Role.WAREHOUSE)
    assert _receive(client, product, shelf).json()["move"]["unit_cost"] == "4.2500"
    assert client.get(f"/api/v1/products/{product.sku}/").json()["unit_cost"] == "4.2500"
    rows = client.get("/api/v1/products/").json()["results"]
    assert rows[0]["unit_cost"] == "4.2500"
