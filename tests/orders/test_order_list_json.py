"""The partner order list is printed by PostgreSQL (orders.selectors.documents) and must stay
byte for byte what DRF printed from model instances: every kind of order (with and without
lines, parcels, coordinates, a promise, cash on delivery, a second window), text that needs
escaping, times with and without microseconds in zones east, west and on UTC, the current
zone moved, pages and filters."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import DecimalField
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from core.output import FastOutputMixin
from orders.apis.orders import LineOutput, OrderOutput, ParcelOutput
from orders.models import CustomerOrder, OrderLine, Parcel
from orders.selectors import order_with_details
from tests.factories import (
    CustomerFactory,
    CustomerOrderFactory,
    OrderLineFactory,
    PartnerFactory,
    ProductFactory,
    WarehouseFactory,
)

pytestmark = pytest.mark.django_db

WHOLE = datetime(2026, 1, 14, 7, 30, tzinfo=UTC)  # winter: London is on +00:00
SUMMER = datetime(2026, 7, 14, 7, 30, 0, 250, tzinfo=UTC)  # 250 microseconds


class _Order(OrderOutput):
    lines = LineOutput(many=True)
    parcels = ParcelOutput(many=True)


def _drf_page(orders, *, next_link=None, previous_link=None, **render):
    """The page as DRF's own Serializer.to_representation and JSONRenderer print it."""
    fast = FastOutputMixin.to_representation
    FastOutputMixin.to_representation = serializers.Serializer.to_representation
    try:
        results = _Order(orders, many=True).data
    finally:
        FastOutputMixin.to_representation = fast
    page = {"next": next_link, "previous": previous_link, "results": results}
    return JSONRenderer().render(page, **render)


def _instances(references):
    found = order_with_details(CustomerOrder.objects.filter(reference__in=references))
    by_reference = {order.reference: order for order in found}
    return [by_reference[reference] for reference in references]


@pytest.fixture
def shop(partner_api):
    client = partner_api(scopes=["orders:read"])
    partner = client.partner
    zones = {
        "NYC": "America/New_York",
        "DEL": "Asia/Kolkata",
        "LON": "Europe/London",
        "UTC": "UTC",
    }
    houses = {code: WarehouseFactory(code=code, timezone=zone) for code, zone in zones.items()}
    made = []
    # Nothing but the required fields: no lines, parcels, coordinates, promise or COD.
    made.append(
        CustomerOrderFactory(
            partner=partner, warehouse=houses["UTC"], latitude=None, longitude=None,
            window_start=WHOLE, window_end=WHOLE + timedelta(hours=2),
        )
    )  # fmt: skip
    # Everything: a second window, a promise, cash on delivery, a PIN, skills, lines, parcels.
    full = CustomerOrderFactory(
        partner=partner, warehouse=houses["NYC"], external_ref="SHOP-9", status="confirmed",
        is_partial=True, window_start=SUMMER, window_end=SUMMER + timedelta(hours=3),
        window2_start=SUMMER + timedelta(days=1), window2_end=SUMMER + timedelta(days=1, hours=1),
        promised_date=SUMMER.date(), promised_window_start=SUMMER,
        promised_window_end=SUMMER + timedelta(minutes=90, microseconds=1),
        delivery_option="evening", requires_pin=True, cod_amount=Decimal("1234567.5"),
        cod_currency="EUR", required_skills=["refrigerated", "tail_lift"], priority=3,
        service_time_s=0, location_note="Gate B",
    )  # fmt: skip
    for price in ("0", "0.10", "12.5", "9999999999.99"):
        OrderLineFactory(order=full, unit_price=Decimal(price), quantity=7)
    Parcel.objects.create(
        order=full, label_code="P-A", weight_kg=Decimal("0.001"), volume_m3=Decimal("0.000001")
    )
    Parcel.objects.create(
        order=full, label_code="P-B", weight_kg=Decimal("999999.999"), volume_m3=Decimal("3")
    )
    made.append(full)
    # Text that needs escaping, in the customer, the address, the notes and a product name.
    odd = 'Quote " back \\ slash / tab\t new\nline \x01 bell \u2028 sep «Hof» ü 🚚'
    customer = CustomerFactory(name=odd, email="", phone="")
    awkward = CustomerOrderFactory(
        partner=partner, warehouse=houses["DEL"], customer=customer, address=odd,
        instructions=odd, contact_name=odd, latitude=Decimal("-33.000001"),
        longitude=Decimal("151.5"),
    )  # fmt: skip
    OrderLineFactory(order=awkward, product=ProductFactory(name=odd), quantity=1)
    made.append(awkward)
    # London in winter: the local windows print +00:00, never Z.
    made.append(
        CustomerOrderFactory(
            partner=partner, warehouse=houses["LON"], window_start=WHOLE,
            window_end=WHOLE + timedelta(seconds=1, microseconds=999999),
        )
    )  # fmt: skip
    # Another partner's order is never listed.
    CustomerOrderFactory(partner=PartnerFactory(), warehouse=houses["UTC"])
    return client, made


def test_every_kind_of_order_prints_what_drf_printed(shop):
    client, made = shop
    response = client.get("/api/v1/orders/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    references = [order.reference for order in sorted(made, key=lambda o: -o.pk)]
    assert response.content == _drf_page(_instances(references))
    by_ref = {o["reference"]: o for o in response.json()["results"]}
    full, awkward = by_ref[made[1].reference], by_ref[made[2].reference]
    assert full["window_start"] == "2026-07-14T03:30:00.000250-04:00"
    assert full["cod_amount"] == "1234567.50"
    assert [line["unit_price"] for line in full["lines"]][-1] == "9999999999.99"
    assert awkward["customer"]["name"].endswith("🚚")
    assert by_ref[made[0].reference]["lines"] == [] and by_ref[made[0].reference]["parcels"] == []
    assert by_ref[made[3].reference]["window_start"] == "2026-01-14T07:30:00+00:00"


def test_times_follow_the_current_zone_as_drf_does(shop):
    client, made = shop
    references = [order.reference for order in sorted(made, key=lambda o: -o.pk)]
    for zone in ("Asia/Kolkata", "America/Sao_Paulo"):
        with timezone.override(zone):
            response = client.get("/api/v1/orders/")
            assert response.content == _drf_page(_instances(references))
            assert "Z" not in response.json()["results"][0]["created_at"]


def test_pages_follow_next_and_previous_links_as_drf_printed_them(shop):
    client, made = shop
    references = [order.reference for order in sorted(made, key=lambda o: -o.pk)]
    url, seen, pages = "/api/v1/orders/?page_size=3", [], []
    while url:
        response = client.get(url)
        body = response.json()
        page_refs = [o["reference"] for o in body["results"]]
        assert response.content == _drf_page(
            _instances(page_refs), next_link=body["next"], previous_link=body["previous"]
        )
        seen += page_refs
        pages.append(body)
        url = body["next"]
    assert seen == references
    assert len(pages) == 2 and pages[0]["previous"] is None
    back = client.get(pages[1]["previous"]).json()
    assert [o["reference"] for o in back["results"]] == references[:3]


def test_filters_choose_the_orders_listed(shop):
    client, made = shop
    cases = {
        "status=confirmed": [made[1]],
        "warehouse=DEL": [made[2]],
        "external_ref=SHOP-9": [made[1]],
        "q=%C2%ABHof%C2%BB": [made[2]],
        "date=2026-01-14": [made[3], made[0]],
    }
    for query, expected in cases.items():
        response = client.get(f"/api/v1/orders/?{query}")
        assert response.status_code == 200, query
        listed = [o["reference"] for o in response.json()["results"]]
        assert listed == [o.reference for o in expected], query
        assert response.content == _drf_page(_instances(listed)), query
    assert client.get("/api/v1/orders/?status=lost").status_code == 400
    assert client.get("/api/v1/orders/?page_size=0").status_code == 400


def test_an_indented_page_is_printed_indented_with_the_same_content(shop):
    client, _made = shop
    response = client.get("/api/v1/orders/", HTTP_ACCEPT="application/json; indent=2")
    assert response.status_code == 200
    assert b'\n  "next": null' in response.content
    assert response.json() == client.get("/api/v1/orders/").json()


def test_the_decimals_printed_by_the_database_have_the_serializer_places():
    # PostgreSQL prints a numeric at its column's scale; DRF quantizes to the field's places.
    pairs = [
        (LineOutput, OrderLine, {"unit_price": "unit_price"}),
        (ParcelOutput, Parcel, {"weight_kg": "weight_kg", "volume_m3": "volume_m3"}),
        (
            OrderOutput,
            CustomerOrder,
            {"latitude": "latitude", "longitude": "longitude", "cod_amount": "cod_amount"},
        ),
    ]
    for serializer, model, names in pairs:
        fields = serializer().fields
        for name, column in names.items():
            field = model._meta.get_field(column)
            assert isinstance(field, DecimalField)
            assert fields[name].decimal_places == field.decimal_places, (serializer, name)
            assert fields[name].max_digits >= field.max_digits, (serializer, name)


def test_the_list_is_prepared_once_and_other_filter_values_reuse_it(
    shop, django_assert_num_queries
):
    client, made = shop
    client.get("/api/v1/me/")  # the key is cached after its first request
    assert client.get("/api/v1/orders/?warehouse=NYC").status_code == 200
    with django_assert_num_queries(1) as again:
        response = client.get("/api/v1/orders/?warehouse=UTC")
    # The same statement with another value: only EXECUTE travels, and the list is right.
    assert again.captured_queries[0]["sql"].startswith("EXECUTE ")
    listed = [o.reference for o in sorted(made, key=lambda o: -o.pk) if o.warehouse.code == "UTC"]
    assert response.content == _drf_page(_instances(listed))
