"""The partner inventory reads answer in a fixed number of queries, however many rows."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from inventory.models import Lot, Stock
from tests.factories import LocationFactory, ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows():
    warehouse, _ = WarehouseFactory(), WarehouseFactory()
    locations = [LocationFactory(warehouse=warehouse) for _ in range(4)]
    products = [ProductFactory() for _ in range(6)]
    for i, product in enumerate(products):
        lot = Lot.objects.create(
            product=product, code=f"L{i}", received_at=timezone.now(),
            expires_at=date.today() + timedelta(days=30),
        )  # fmt: skip
        for location in locations[:3]:
            Stock.objects.create(
                product=product, location=location, lot=lot if i % 2 else None,
                condition="good", on_hand=10, reserved=2, received_at=timezone.now(),
            )  # fmt: skip
    return warehouse, locations, products


@pytest.mark.parametrize(
    "path",
    ["/api/v1/stock/", "/api/v1/products/", "/api/v1/warehouses/", "/api/v1/locations/"],
)
def test_inventory_lists_answer_in_one_query(
    partner_api, rows, path, django_assert_max_num_queries
):
    client = partner_api(scopes=["stock:read"])
    client.get("/api/v1/me/")  # the key is cached after its first request
    with django_assert_max_num_queries(1):
        response = client.get(path)
    assert response.status_code == 200
    assert len(response.json()["results"]) >= 2


def test_stock_list_prints_product_location_and_lot(partner_api, rows):
    warehouse, _, _ = rows
    client = partner_api(scopes=["stock:read"])
    results = client.get("/api/v1/stock/").json()["results"]
    assert len(results) == 18
    with_lot = next(r for r in results if r["lot"])
    assert with_lot["warehouse"] == warehouse.code
    assert with_lot["available"] == 8
    assert with_lot["expires_at"] and with_lot["product_name"] and with_lot["location_code"]


def test_inventory_details_answer_in_one_query(partner_api, rows, django_assert_max_num_queries):
    warehouse, locations, products = rows
    client = partner_api(scopes=["stock:read"])
    client.get("/api/v1/me/")
    for path in (
        f"/api/v1/products/{products[0].sku}/",
        f"/api/v1/warehouses/{warehouse.code}/",
        f"/api/v1/locations/{locations[0].pk}/",
    ):
        with django_assert_max_num_queries(1):
            assert client.get(path).status_code == 200
