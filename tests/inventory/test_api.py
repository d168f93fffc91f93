"""Inventory API: CRUD, stock operations with problem details, reports, CSV import."""

from datetime import date, timedelta

import pytest

from core.roles import Role
from inventory.models import Product, Stock, StockMove
from inventory.services import stock_receive, stock_reserve
from inventory.services.access import partner_warehouse_grant
from tests.factories import LocationFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(staff_api):
    return staff_api(Role.WAREHOUSE)


def _fields(response):
    return [e["field"] for e in response.json()["errors"]]


def test_receive_then_list_stock(api, product, shelf):
    response = api.post(
        "/api/v1/stock/receive/",
        {
            "product": product.sku,
            "location": shelf.pk,
            "quantity": 7,
            "lot": "L1",
            "reference": "PO-1",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["stock"]["on_hand"] == 7 and body["stock"]["lot"] == "L1"
    assert body["move"]["kind"] == "receive" and body["move"]["reference"] == "PO-1"
    listing = api.get("/api/v1/stock/", {"warehouse": "BER", "product": product.sku}).json()
    assert [(r["location_code"], r["on_hand"], r["available"]) for r in listing["results"]] == [
        ("A-01-01", 7, 7)
    ]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"quantity": 0}, 400, "quantity"),
        ({"quantity": -5}, 400, "quantity"),
        ({"product": "NOPE"}, 422, "product"),
        ({"location": 999999}, 422, "location"),
        ({"condition": "shiny"}, 400, "condition"),
    ],
)
def test_receive_bad_input_is_a_problem_naming_the_field(api, product, shelf, body, status, field):
    payload = {"product": product.sku, "location": shelf.pk, "quantity": 1, **body}
    response = api.post("/api/v1/stock/receive/", payload, format="json")
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert field in _fields(response)
    assert not StockMove.objects.exists()


def test_receive_of_inactive_product_is_422(api, product, shelf):
    product.is_active = False
    product.save()
    response = api.post(
        "/api/v1/stock/receive/",
        {"product": product.sku, "location": shelf.pk, "quantity": 1},
        format="json",
    )
    assert response.status_code == 422 and _fields(response) == ["product"]


def test_receive_with_a_lot_code_of_another_product_is_refused(api, product, shelf):
    other = ProductFactory(sku="OTHER")
    stock_receive(product=other, location=shelf, quantity=1, lot_code="LX")
    response = api.post(
        "/api/v1/stock/transfer/",
        {
            "product": product.sku,
            "location": shelf.pk,
            "lot": "LX",
            "to_location": shelf.pk,
            "quantity": 1,
        },
        format="json",
    )
    assert response.status_code == 422 and _fields(response) == ["lot"]


def test_receive_is_idempotent_with_a_key(api, product, shelf):
    payload = {"product": product.sku, "location": shelf.pk, "quantity": 3}
    first = api.post("/api/v1/stock/receive/", payload, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    second = api.post("/api/v1/stock/receive/", payload, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert Stock.objects.get().on_hand == 3
    assert StockMove.objects.count() == 1


def test_transfer_more_than_available_is_409_and_writes_nothing(
    api, product, shelf, shelf2, warehouse
):
    stock_receive(product=product, location=shelf, quantity=5)
    stock_reserve(product=product, warehouse=warehouse, quantity=4, demand_ref="D#1")
    response = api.post(
        "/api/v1/stock/transfer/",
        {"product": product.sku, "location": shelf.pk, "to_location": shelf2.pk, "quantity": 2},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["available"] == 1 and _fields(response) == ["quantity"]
    assert StockMove.objects.filter(kind="transfer").count() == 0


def test_transfer_within_a_warehouse_to_another_warehouse_is_422(api, product, shelf, far_shelf):
    stock_receive(product=product, location=shelf, quantity=5)
    payload = {
        "product": product.sku,
        "location": shelf.pk,
        "to_location": far_shelf.pk,
        "quantity": 1,
    }
    response = api.post("/api/v1/stock/transfer/", payload, format="json")
    assert response.status_code == 422 and _fields(response) == ["to_location"]
    response = api.post(
        "/api/v1/stock/transfer/", {**payload, "between_warehouses": True}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["to"]["warehouse"] == "HAM"


def test_transfer_from_a_location_without_stock_is_409(api, product, shelf, shelf2):
    payload = {
        "product": product.sku,
        "location": shelf.pk,
        "to_location": shelf2.pk,
        "quantity": 1,
    }
    response = api.post("/api/v1/stock/transfer/", payload, format="json")
    assert response.status_code == 409 and _fields(response) == ["location"]


def test_adjust_needs_a_reason_and_cannot_go_below_reserved(api, product, shelf, warehouse):
    stock_receive(product=product, location=shelf, quantity=5)
    stock_reserve(product=product, warehouse=warehouse, quantity=4, demand_ref="D#1")
    base = {"product": product.sku, "location": shelf.pk}
    response = api.post("/api/v1/stock/adjust/", {**base, "delta": -1}, format="json")
    assert response.status_code == 422 and _fields(response) == ["reason"]
    response = api.post(
        "/api/v1/stock/adjust/", {**base, "delta": -2, "reason": "broken"}, format="json"
    )
    assert response.status_code == 409 and _fields(response) == ["delta"]
    response = api.post("/api/v1/stock/adjust/", {**base, "delta": -1, "counted": 3}, format="json")
    assert response.status_code == 400 and _fields(response) == ["delta"]
    response = api.post("/api/v1/stock/adjust/", {**base, "counted": 6}, format="json")
    assert response.status_code == 201 and response.json()["stock"]["on_hand"] == 6
    assert response.json()["move"]["kind"] == "count"


def test_condition_change_to_quarantine(api, product, shelf, quarantine):
    stock_receive(product=product, location=shelf, quantity=5)
    response = api.post(
        "/api/v1/stock/condition-change/",
        {
            "product": product.sku,
            "location": shelf.pk,
            "to_condition": "quarantined",
            "to_location": quarantine.pk,
            "quantity": 2,
            "reason": "Supplier recall",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["to"]["condition"] == "quarantined"
    assert response.json()["from"]["on_hand"] == 3


def test_partner_needs_stock_scopes(partner_api, product, shelf):
    reader = partner_api(scopes=["stock:read"])
    assert reader.get("/api/v1/stock/").status_code == 200
    response = reader.post(
        "/api/v1/stock/receive/",
        {"product": product.sku, "location": shelf.pk, "quantity": 1},
        format="json",
    )
    assert response.status_code == 403
    writer = partner_api(scopes=["stock:read", "stock:write"])
    partner_warehouse_grant(partner=writer.partner, warehouse=shelf.warehouse)
    response = writer.post(
        "/api/v1/stock/receive/",
        {"product": product.sku, "location": shelf.pk, "quantity": 1},
        format="json",
    )
    assert response.status_code == 201
    assert (
        writer.post("/api/v1/products/", {"sku": "P-1", "name": "x"}, format="json").status_code
        == 403
    )


def test_driver_cannot_read_stock(staff_api):
    assert staff_api(Role.DRIVER).get("/api/v1/stock/").status_code == 403


def test_product_crud_and_delete_only_deactivates(api, shelf):
    response = api.post(
        "/api/v1/products/", {"sku": "NEW-1", "name": "New", "weight_kg": "1.5"}, format="json"
    )
    assert response.status_code == 201, response.json()
    response = api.patch("/api/v1/products/NEW-1/", {"reorder_point": 5}, format="json")
    assert response.status_code == 200 and response.json()["reorder_point"] == 5
    stock_receive(product=Product.objects.get(sku="NEW-1"), location=shelf, quantity=1)
    response = api.delete("/api/v1/products/NEW-1/")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert Product.objects.filter(sku="NEW-1", is_active=False).exists()
    response = api.post(
        "/api/v1/products/", {"sku": "bad sku", "name": "x", "weight_kg": "-1"}, format="json"
    )
    assert response.status_code == 400 and set(_fields(response)) >= {"sku", "weight_kg"}


def test_warehouse_crud_validates_coordinates_and_time_zone(api):
    body = {
        "code": "MUC",
        "name": "Munich",
        "latitude": "48.137100",
        "longitude": "11.575400",
        "timezone": "Europe/Berlin",
    }
    assert api.post("/api/v1/warehouses/", body, format="json").status_code == 201
    bad = api.post(
        "/api/v1/warehouses/",
        {**body, "code": "XXX", "latitude": "91", "timezone": "Mars/Olympus"},
        format="json",
    )
    assert bad.status_code == 400 and set(_fields(bad)) == {"latitude", "timezone"}
    closing = api.patch("/api/v1/warehouses/MUC/", {"opening_time": "20:00"}, format="json")
    assert closing.status_code == 422 and _fields(closing) == ["closing_time"]


def test_location_with_stock_cannot_be_deactivated(api, product, shelf):
    stock_receive(product=product, location=shelf, quantity=1)
    response = api.delete(f"/api/v1/locations/{shelf.pk}/")
    assert response.status_code == 409 and _fields(response) == ["is_active"]
    empty = LocationFactory(warehouse=shelf.warehouse, code="E-01")
    assert api.delete(f"/api/v1/locations/{empty.pk}/").status_code == 204


def test_reports_answer_with_rows_columns_and_extras(api, product, shelf, perishable):
    stock_receive(product=product, location=shelf, quantity=5)
    stock_receive(
        product=perishable,
        location=shelf,
        quantity=3,
        lot_code="M1",
        expires_at=date.today() + timedelta(days=5),
    )
    for slug in [
        "stock",
        "available-to-promise",
        "aging",
        "expiring-lots",
        "low-stock",
        "valuation",
        "history",
    ]:
        response = api.get(f"/api/v1/inventory/reports/{slug}/")
        assert response.status_code == 200, (slug, response.json())
        assert "columns" in response.json() and "results" in response.json()
    expiring = api.get("/api/v1/inventory/reports/expiring-lots/", {"days": 7}).json()
    assert [(r["lot__code"], r["days_left"]) for r in expiring["results"]] == [("M1", 5)]
    aging = api.get("/api/v1/inventory/reports/aging/").json()
    assert aging["buckets"][0] == {"bucket": "0-30", "quantity": 8}
    bad = api.get("/api/v1/inventory/reports/stock/", {"condition": "shiny", "warehouse": "NOPE"})
    assert bad.status_code == 400 and set(_fields(bad)) == {"condition", "warehouse"}
    assert api.get("/api/v1/inventory/reports/nope/").status_code == 404


def test_stock_list_query_count_is_constant(
    api, product, shelf, shelf2, django_assert_max_num_queries
):
    for location in (shelf, shelf2):
        for lot in ("L1", "L2", "L3"):
            stock_receive(product=product, location=location, quantity=2, lot_code=lot)
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/stock/")
    assert len(response.json()["results"]) == 6
