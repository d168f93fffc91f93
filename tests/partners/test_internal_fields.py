"""Internal figures never reach partner keys: a product's and a stock move's unit cost, and the
staff user who booked a move; a partner key may not set a unit cost either. Staff sessions
still see and set them."""

from decimal import Decimal

import pytest

from core.roles import Role
from inventory.models import StockMove
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


def _receive(client, product, shelf, **extra):
    return client.post(
        "/api/v1/stock/receive/",
        {"product": product.sku, "location": shelf.pk, "quantity": 3, **extra},
        format="json",
    )


def test_partner_key_never_sees_unit_costs_or_staff_names(partner_api, product, shelf):
    client = partner_api(scopes=["stock:read", "stock:write", "orders:read"])
    partner_warehouse_grant(partner=client.partner, warehouse=shelf.warehouse)
    received = _receive(client, product, shelf)
    assert received.status_code == 201, received.content
    assert received.json()["move"]["kind"] == "receive"
    assert "user" not in received.json()["move"]
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


def test_partner_key_may_not_record_a_unit_cost(partner_api, product, shelf):
    client = partner_api(scopes=["stock:read", "stock:write"])
    partner_warehouse_grant(partner=client.partner, warehouse=shelf.warehouse)
    refused = _receive(client, product, shelf, unit_cost="0.01")
    assert refused.status_code == 422, refused.content
    assert refused.json()["errors"] == [
        {"field": "unit_cost", "code": "staff_only", "message": refused.json()["detail"]}
    ]
    assert not StockMove.objects.exists()


def test_staff_still_see_and_set_unit_costs_and_names(staff_api, product, shelf):
    client = staff_api(Role.WAREHOUSE, username="wim")
    move = _receive(client, product, shelf, unit_cost="4.25").json()["move"]
    assert (move["unit_cost"], move["user"]) == ("4.2500", "wim")
    assert client.get(f"/api/v1/products/{product.sku}/").json()["unit_cost"] == "4.2500"
    rows = client.get("/api/v1/products/").json()["results"]
    assert rows[0]["unit_cost"] == "4.2500"
