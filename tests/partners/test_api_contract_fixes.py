"""What the contract and isolation suites asked of other apps' endpoints, proven directly: typed
query parameters, schemas that state what the server accepts, staff-only inventory reads."""

import datetime as dt

import pytest

from core.roles import Role
from core.serializer_fields import NOT_ONLY_SPACE
from tests.factories import LocationFactory, ProductFactory, VehicleFactory
from tracking.models import PositionPing

pytestmark = pytest.mark.django_db


def _fields(response):
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/locations/?is_active=null", "is_active"),
        ("/api/v1/products/?perishable=yes", "perishable"),
        ("/api/v1/products/?is_active=", "is_active"),
        ("/api/v1/stock/?location=1.5", "location"),
        ("/api/v1/stock/?condition=", "condition"),
    ],
)
def test_a_query_parameter_of_the_wrong_type_is_a_400_naming_it(partner_api, url, param):
    response = partner_api(scopes=["stock:read"]).get(url)
    assert response.status_code == 400, response.content
    assert _fields(response) == [param]


def test_staff_get_the_same_400_on_the_ledger(staff_api):
    response = staff_api(Role.WAREHOUSE).get("/api/v1/stock-moves/?date_to=")
    assert response.status_code == 400 and _fields(response) == ["date_to"]


def test_well_typed_and_blank_string_filters_still_filter(partner_api):
    active = LocationFactory(code="A-01")
    LocationFactory(code="B-01", warehouse=active.warehouse, is_active=False)
    client = partner_api(scopes=["stock:read"])
    rows = client.get("/api/v1/locations/?is_active=true&code=").json()["results"]
    assert [row["code"] for row in rows] == ["A-01"]


@pytest.mark.parametrize(
    "url",
    ["/api/v1/stock-moves/", "/api/v1/inventory/reports/", "/api/v1/inventory/reports/stock/"],
)
def test_the_ledger_and_reports_are_staff_only(partner_api, staff_api, url):
    assert partner_api().get(url).status_code == 403
    assert staff_api(Role.WAREHOUSE).get(url).status_code == 200


def test_the_report_list_and_a_report_match_their_documented_shape(staff_api):
    client = staff_api(Role.WAREHOUSE)
    reports = client.get("/api/v1/inventory/reports/").json()
    assert isinstance(reports, list) and {"slug", "title", "description", "url"} <= set(reports[0])
    page = client.get("/api/v1/inventory/reports/stock/").json()
    assert {"count", "next", "previous", "results", "columns"} <= set(page)


def test_a_blank_sku_is_refused_and_the_schema_says_so(partner_api):
    location = LocationFactory()
    response = partner_api().post(
        "/api/v1/stock/receive/",
        {"product": "\x1c ", "location": location.pk, "quantity": 1},
        format="json",
    )
    assert response.status_code == 400 and _fields(response) == ["product"]


def test_stock_operations_take_json_only(partner_api):
    response = partner_api().post(
        "/api/v1/stock/receive/",
        {"product": ProductFactory().sku, "location": LocationFactory().pk, "quantity": 1},
        format="multipart",
    )
    assert response.status_code == 415


def test_the_schema_states_non_blank_strings_exclusive_fields_and_non_empty_lists():
    from drf_spectacular.generators import SchemaGenerator

    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    product = components["StockReceiveApiInputRequest"]["properties"]["product"]
    assert product["minLength"] == 1 and product["pattern"] == NOT_ONLY_SPACE
    adjust = components["StockAdjustApiInputRequest"]
    assert adjust["anyOf"] == [{"required": ["delta"]}, {"required": ["counted"]}]
    assert adjust["not"] == {"anyOf": [{"required": ["delta", "counted"]}]}
    assert components["PingCreateApiInputRequest"]["properties"]["pings"]["minItems"] == 1


def test_a_partner_key_with_pings_write_gets_404_for_any_vehicle(partner_api):
    vehicle = VehicleFactory()
    now = dt.datetime.now(dt.UTC).isoformat()
    response = partner_api(scopes=["pings:write"]).post(
        "/api/v1/pings/",
        {"vehicle": vehicle.code, "pings": [{"time": now, "latitude": 52.5, "longitude": 13.4}]},
        format="json",
    )
    assert response.status_code == 404 and _fields(response) == ["vehicle"]
    assert not PositionPing.objects.exists()
