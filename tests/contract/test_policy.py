"""The status-code policy's shared pieces (docs/api.md, "Status codes"), each through one
endpoint: strict JSON types, JSON-only bodies, object filters that take any name, and a schema
that states what the server enforces."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from core.serializer_fields import NOT_ONLY_SPACE
from inventory.services.access import partner_warehouse_grant
from tests.factories import LocationFactory, ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(partner_api):
    client = partner_api(scopes=["stock:read", "stock:write"])
    shelf = LocationFactory(warehouse=WarehouseFactory(code="BER"), code="A-01")
    partner_warehouse_grant(partner=client.partner, warehouse=shelf.warehouse)
    ProductFactory(sku="SKU-1")
    return client, shelf


def test_a_number_where_the_schema_says_string_is_a_400_naming_the_field(writer):
    client, shelf = writer
    body = {"product": "SKU-1", "location": shelf.pk, "quantity": 1, "lot": 12}
    response = client.post("/api/v1/stock/receive/", body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["lot"]


def test_form_encoded_bodies_are_refused_as_unsupported(writer):
    client, shelf = writer
    body = {"product": "SKU-1", "location": shelf.pk, "quantity": 1}
    response = client.post("/api/v1/stock/receive/", body, format="multipart")
    assert response.status_code == 415, response.content


def test_an_unknown_name_in_an_object_filter_is_an_empty_page_not_an_error(writer):
    client, _shelf = writer
    response = client.get("/api/v1/stock/?warehouse=NOPE")
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []
    assert client.get("/api/v1/stock/?location=1.5").status_code == 400


def test_the_schema_states_what_the_server_enforces():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    receive = components["StockReceiveApiInputRequest"]["properties"]
    assert receive["product"]["minLength"] == 1
    assert receive["product"]["pattern"] == NOT_ONLY_SPACE
    opening = components["Warehouse"]["properties"]["opening_time"]
    assert "format" not in opening and opening["pattern"].startswith("^([01]")
    stock = schema["paths"]["/api/v1/stock/"]["get"]
    params = {p["name"]: p["schema"] for p in stock["parameters"]}
    assert params["location"]["type"] == "integer"
    assert params["warehouse"] == {"type": "string"}
    assert {"400", "401", "403", "414", "422", "429"} <= set(stock["responses"])
    receive_post = schema["paths"]["/api/v1/stock/receive/"]["post"]
    assert list(receive_post["requestBody"]["content"]) == ["application/json"]
    assert {"400", "409", "422"} <= set(receive_post["responses"])


def test_stock_operations_answer_the_shape_their_schema_names(writer):
    """A receive answers {stock, move} and a transfer {from, to, move}, as the 201 schema says
    (it named a bare stock row, so every successful operation broke the contract)."""
    client, shelf = writer
    other = LocationFactory(warehouse=shelf.warehouse, code="A-02")
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]

    def documented(path: str) -> tuple[set, set]:
        ref = schema["paths"][path]["post"]["responses"]["201"]["content"]["application/json"]
        component = components[ref["schema"]["$ref"].rsplit("/", 1)[1]]
        return set(component["properties"]), set(component["required"])

    receive = client.post(
        "/api/v1/stock/receive/",
        {"product": "SKU-1", "location": shelf.pk, "quantity": 3},
        format="json",
    )
    transfer = client.post(
        "/api/v1/stock/transfer/",
        {"product": "SKU-1", "location": shelf.pk, "to_location": other.pk, "quantity": 1},
        format="json",
    )
    for path, response in (
        ("/api/v1/stock/receive/", receive),
        ("/api/v1/stock/transfer/", transfer),
    ):
        assert response.status_code == 201, response.json()
        properties, required = documented(path)
        assert set(response.json()) == properties == required
    assert set(receive.json()["stock"]) == set(components["StockOutput"]["properties"])
