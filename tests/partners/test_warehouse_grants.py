"""A partner key with `stock:write` changes stock only in the warehouses granted to its partner
(inventory.PartnerWarehouse); anywhere else answers 422 naming the field, like a location that
does not exist, and nothing is booked."""

import pytest

from inventory.models import Stock, StockMove
from inventory.services import stock_receive
from inventory.services.access import partner_warehouse_grant
from tests.factories import LocationFactory, ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(partner_api):
    granted = LocationFactory(warehouse=WarehouseFactory(code="MINE"), code="A-01")
    granted_2 = LocationFactory(warehouse=granted.warehouse, code="A-02")
    foreign = LocationFactory(warehouse=WarehouseFactory(code="THEIRS"), code="B-01")
    product = ProductFactory(sku="SKU-1")
    stock_receive(product=product, location=granted, quantity=10)
    stock_receive(product=product, location=foreign, quantity=10)
    client = partner_api(scopes=["stock:read", "stock:write"])
    partner_warehouse_grant(partner=client.partner, warehouse=granted.warehouse)
    return client, product, granted, granted_2, foreign


def _state():
    return sorted(Stock.objects.values_list("location__code", "on_hand")), StockMove.objects.count()


def test_stock_writes_outside_the_granted_warehouses_answer_422_naming_the_field(setup):
    client, product, granted, _granted_2, foreign = setup
    sku = product.sku
    refused = [
        ("receive", {"product": sku, "location": foreign.pk, "quantity": 1}, "location"),
        ("adjust", {"product": sku, "location": foreign.pk, "delta": -1, "reason": "x"},
         "location"),
        ("adjust", {"product": sku, "location": foreign.pk, "counted": 0}, "location"),
        ("scrap", {"product": sku, "location": foreign.pk, "quantity": 1, "reason": "x"},
         "location"),
        ("transfer", {"product": sku, "location": foreign.pk, "to_location": granted.pk,
                      "quantity": 1, "between_warehouses": True}, "location"),
        ("transfer", {"product": sku, "location": granted.pk, "to_location": foreign.pk,
                      "quantity": 1, "between_warehouses": True}, "to_location"),
        ("condition-change", {"product": sku, "location": foreign.pk, "quantity": 1,
                              "to_condition": "damaged", "reason": "x"}, "location"),
        ("condition-change", {"product": sku, "location": granted.pk, "to_location": foreign.pk,
                              "quantity": 1, "to_condition": "damaged", "reason": "x"},
         "to_location"),
    ]  # fmt: skip
    before = _state()
    for operation, body, field in refused:
        response = client.post(f"/api/v1/stock/{operation}/", body, format="json")
        assert response.status_code == 422, (operation, body, response.content)
        assert response.json()["errors"][0] == {
            "field": field,
            "code": "not_found",
            "message": response.json()["detail"],
        }
        assert _state() == before, f"{operation} changed stock outside the granted warehouse"
    # A location that does not exist answers exactly the same: no existence oracle.
    missing = client.post(
        "/api/v1/stock/receive/",
        {"product": sku, "location": 999999, "quantity": 1},
        format="json",
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["code"] == "not_found"


def test_stock_writes_in_a_granted_warehouse_still_work(setup):
    client, product, granted, granted_2, _foreign = setup
    response = client.post(
        "/api/v1/stock/transfer/",
        {"product": product.sku, "location": granted.pk, "to_location": granted_2.pk,
         "quantity": 4},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["to"]["on_hand"] == 4
