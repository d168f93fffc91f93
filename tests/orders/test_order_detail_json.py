"""The partner order detail is printed by PostgreSQL (orders.selectors.documents.order_as_json)
and must stay byte for byte what DRF printed from model instances: an order with nothing
optional and one with everything (lines, parcels, a timeline whose `data` holds nested JSON,
numbers and text that needs escaping, attempts, a PIN, cash collected), times with and
without microseconds in zones east, west and on UTC, the current zone moved, indented output;
one query, prepared once per connection; another partner's order is still a 404."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import DecimalField
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from core.output import FastOutputMixin
from core.roles import Role
from orders.apis.common import EventOutput
from orders.apis.orders import (
    AttemptOutput,
    CodCollectionOutput,
    LineOutput,
    OrderDetailOutput,
    ParcelOutput,
)
from orders.models import (
    CodCollection,
    CustomerOrder,
    DeliveryAttempt,
    DeliveryPin,
    OrderEvent,
    Parcel,
    Return,
)
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
ODD = 'Quote " back \\ slash / tab\t new\nline \x01 bell \u2028 sep \u2029 «Hof» ü 🚚'


class _OrderDetail(OrderDetailOutput):
    lines = LineOutput(many=True)
    parcels = ParcelOutput(many=True)
    events = EventOutput(many=True)
    attempts = AttemptOutput(many=True)


def _drf(order, **render):
    """The detail as DRF's own Serializer.to_representation and JSONRenderer print it."""
    instance = order_with_details(CustomerOrder.objects.filter(pk=order.pk)).get()
    fast = FastOutputMixin.to_representation
    FastOutputMixin.to_representation = serializers.Serializer.to_representation
    try:
        data = _OrderDetail(instance).data
    finally:
        FastOutputMixin.to_representation = fast
    return JSONRenderer().render(data, **render)


@pytest.fixture
def shop(partner_api):
    client = partner_api(scopes=["orders:read"])
    partner = client.partner
    zones = {"NYC": "America/New_York", "DEL": "Asia/Kolkata", "LON": "Europe/London"}
    houses = {code: WarehouseFactory(code=code, timezone=zone) for code, zone in zones.items()}
    houses["UTC"] = WarehouseFactory(code="UTC", timezone="UTC")
    made = {}
    # Nothing but the required fields: no lines, parcels, timeline, attempts, PIN or COD.
    made["bare"] = CustomerOrderFactory(
        partner=partner, warehouse=houses["UTC"], latitude=None, longitude=None,
        window_start=WHOLE, window_end=WHOLE + timedelta(hours=2),
    )  # fmt: skip
    # Everything, in New York.
    full = made["full"] = CustomerOrderFactory(
        partner=partner, warehouse=houses["NYC"], external_ref="SHOP-9", status="delivered",
        is_partial=True, window_start=SUMMER, window_end=SUMMER + timedelta(hours=3),
        window2_start=SUMMER + timedelta(days=1), window2_end=SUMMER + timedelta(days=1, hours=1),
        promised_date=SUMMER.date(), promised_window_start=SUMMER,
        promised_window_end=SUMMER + timedelta(minutes=90, microseconds=1),
        delivery_option="evening", requires_pin=True, cod_amount=Decimal("1234567.5"),
        cod_currency="EUR", required_skills=["refrigerated", "tail_lift"], priority=3,
        service_time_s=0, location_note="Gate B",
    )  # fmt: skip
    for price in ("0", "0.10", "9999999999.99"):
        OrderLineFactory(order=full, unit_price=Decimal(price), quantity=7)
    Parcel.objects.create(
        order=full, label_code="P-A", weight_kg=Decimal("0.001"), volume_m3=Decimal("0.000001")
    )
    # The timeline: nested JSON of every kind, numbers as Python writes them, text to escape;
    # two entries at the same instant (ordered by id), one of them a return's.
    data = {
        "z": 1, "a": [1, 2.5, None, True, False, -0.0, 1e-07, 1e16, 10**20, 0.1],
        "nested": {"ü": {"deep": ["x", {"k": ODD}]}}, "": "", "empty": {}, "list": [],
    }  # fmt: skip
    OrderEvent.objects.create(order=full, type="created", message=ODD, at=SUMMER, data=data)
    ret = Return.objects.create(
        reference="RMA-JSON-1", order=full, partner=partner, warehouse=full.warehouse,
        channel="partner",
    )  # fmt: skip
    later = SUMMER + timedelta(hours=1)
    OrderEvent.objects.create(order=full, ret=ret, type="return_requested", message="", at=later)
    OrderEvent.objects.create(order=full, type="note", message="b", at=later, data=["a", 1])
    OrderEvent.objects.create(order=full, type="note", message="c", at=WHOLE, data="text")
    DeliveryAttempt.objects.create(
        order=full, attempted_at=SUMMER + timedelta(hours=2), outcome="delivered", note=ODD
    )
    DeliveryAttempt.objects.create(
        order=full, attempted_at=SUMMER, outcome="failed", failure_reason="customer_absent"
    )
    DeliveryPin.objects.create(order=full, state="verified")
    CodCollection.objects.create(
        order=full, method="card", amount=Decimal("1234567.5"), currency="EUR",
        collected_at=SUMMER + timedelta(hours=2, seconds=1),
    )  # fmt: skip
    # Text that needs escaping in the customer, the address, the notes and a product name, in
    # Delhi; a PIN sent but no cash collected.
    customer = CustomerFactory(name=ODD, email="", phone="")
    awkward = made["awkward"] = CustomerOrderFactory(
        partner=partner, warehouse=houses["DEL"], customer=customer, address=ODD,
        instructions=ODD, contact_name=ODD, latitude=Decimal("-33.000001"),
        longitude=Decimal("151.5"),
    )  # fmt: skip
    OrderLineFactory(order=awkward, product=ProductFactory(name=ODD), quantity=1)
    DeliveryPin.objects.create(order=awkward, state="sent")
    OrderEvent.objects.create(order=awkward, type="created", message="m", at=WHOLE)
    # London in winter: the local windows print +00:00, never Z.
    made["london"] = CustomerOrderFactory(
        partner=partner, warehouse=houses["LON"], window_start=WHOLE,
        window_end=WHOLE + timedelta(seconds=1, microseconds=999999),
    )  # fmt: skip
    return client, made


def test_every_kind_of_order_prints_what_drf_printed(shop):
    client, made = shop
    for name, order in made.items():
        response = client.get(f"/api/v1/orders/{order.reference}/")
        assert response.status_code == 200, name
        assert response["Content-Type"] == "application/json", name
        assert response.content == _drf(order), name
    full = client.get(f"/api/v1/orders/{made['full'].reference}/").json()
    assert [e["message"] for e in full["events"]] == ["c", ODD, "", "b"]
    assert full["events"][1]["data"]["a"][-4:] == [1e-07, 1e16, 10**20, 0.1]
    assert full["attempts"][0]["outcome"] == "failed"
    assert full["pin_state"] == "verified"
    assert full["cod_collection"] == {
        "method": "card", "amount": "1234567.50", "currency": "EUR",
        "collected_at": "2026-07-14T09:30:01.000250Z",
    }  # fmt: skip
    bare = client.get(f"/api/v1/orders/{made['bare'].reference}/").json()
    assert bare["events"] == [] and bare["attempts"] == [] and bare["lines"] == []
    assert bare["pin_state"] is None and bare["cod_collection"] is None
    raw = client.get(f"/api/v1/orders/{made['awkward'].reference}/").content
    assert b"\\u2028" in raw and "\u2028".encode() not in raw


def test_times_follow_the_current_zone_as_drf_does(shop):
    client, made = shop
    for zone in ("Asia/Kolkata", "America/Sao_Paulo", "UTC"):
        with timezone.override(zone):
            for name, order in made.items():
                response = client.get(f"/api/v1/orders/{order.reference}/")
                assert response.content == _drf(order), (zone, name)
    with timezone.override("Asia/Kolkata"):
        body = client.get(f"/api/v1/orders/{made['full'].reference}/").json()
    assert body["events"][0]["at"] == "2026-01-14T13:00:00+05:30"
    assert body["window_start"] == "2026-07-14T03:30:00.000250-04:00"  # the warehouse's zone


def test_an_indented_detail_is_printed_indented_with_the_same_content(shop):
    client, made = shop
    url = f"/api/v1/orders/{made['full'].reference}/"
    response = client.get(url, HTTP_ACCEPT="application/json; indent=2")
    assert response.status_code == 200
    assert response.content == _drf(made["full"], accepted_media_type="application/json; indent=2")
    assert b'\n  "reference": ' in response.content


def test_another_partners_order_and_an_unknown_one_answer_404(shop, partner_api):
    client, made = shop
    other = partner_api(partner=PartnerFactory(), scopes=["orders:read"])
    for caller, reference in ((other, made["full"].reference), (client, "ORD-NOPE")):
        response = caller.get(f"/api/v1/orders/{reference}/")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "reference"
        assert reference in response.json()["detail"]


def test_staff_read_any_partners_order(shop, staff_api):
    _client, made = shop
    dispatcher = staff_api(Role.DISPATCHER)
    response = dispatcher.get(f"/api/v1/orders/{made['full'].reference}/")
    assert response.status_code == 200
    assert response.content == _drf(made["full"])


def test_one_query_prepared_once_per_connection(shop, django_assert_num_queries):
    client, made = shop
    client.get("/api/v1/me/")  # the key is cached after its first request
    url = f"/api/v1/orders/{made['full'].reference}/"
    with django_assert_num_queries(1) as first:
        assert client.get(url).status_code == 200
    expected = _drf(made["full"])
    with django_assert_num_queries(1) as later:
        assert client.get(url).content == expected
    assert later.captured_queries[0]["sql"].startswith("EXECUTE")
    assert len(later.captured_queries[0]["sql"]) < 100  # (the statement's text is not sent)
    # Prepared in the same round trip as its first use on this connection (an earlier test
    # on the same connection may have prepared it already).
    sql = first.captured_queries[0]["sql"]
    assert sql.startswith("PREPARE") or sql == later.captured_queries[0]["sql"]


@pytest.mark.django_db(transaction=True)
def test_a_new_database_session_prepares_the_statement_again(shop, django_assert_num_queries):
    client, made = shop
    url = f"/api/v1/orders/{made['full'].reference}/"
    assert client.get(url).status_code == 200
    expected = _drf(made["full"])
    connection.close()  # (CONN_MAX_AGE ran out, or the database restarted)
    with django_assert_num_queries(1) as again:
        assert client.get(url).content == expected
    assert again.captured_queries[0]["sql"].startswith("PREPARE")


def test_the_decimals_printed_by_the_database_have_the_serializer_places():
    # PostgreSQL prints a numeric at its column's scale; DRF quantizes to the field's places.
    fields = CodCollectionOutput().fields
    column = CodCollection._meta.get_field("amount")
    assert isinstance(column, DecimalField)
    assert fields["amount"].decimal_places == column.decimal_places
    assert fields["amount"].max_digits >= column.max_digits
