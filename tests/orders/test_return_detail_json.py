"""The return detail is printed by PostgreSQL (orders.selectors.return_documents) and must stay
byte for byte what DRF printed from model instances: a return with everything and one with
nothing, text that needs escaping, decimals, times with and without microseconds in zones
east, west and on UTC, the timeline's JSON data, partners kept apart, staff seeing all."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from core.output import FastOutputMixin
from orders.apis.common import EventOutput
from orders.apis.returns import ReturnDetailOutput, ReturnLineOutput
from orders.models import OrderEvent, Return, ReturnLine
from orders.selectors import return_get
from tests.factories import CustomerOrderFactory, OrderLineFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

ODD_TEXT = 'He said "no" \\ then\nleft\t\x01 — «Hof» \u2028 ü 😀'
MICRO = datetime(2026, 7, 14, 7, 30, 0, 250, tzinfo=UTC)
WHOLE = datetime(2026, 1, 14, 23, 30, tzinfo=UTC)


class _ReturnDetail(ReturnDetailOutput):
    lines = ReturnLineOutput(many=True)
    events = EventOutput(many=True)


def _drf(reference: str, **render) -> bytes:
    """The detail as DRF's own Serializer.to_representation and JSONRenderer print it."""
    instance = return_get(reference=reference, user=None)
    fast = FastOutputMixin.to_representation
    FastOutputMixin.to_representation = serializers.Serializer.to_representation
    try:
        return JSONRenderer().render(_ReturnDetail(instance).data, **render)
    finally:
        FastOutputMixin.to_representation = fast


@pytest.fixture
def returns(partner_api):
    client = partner_api(scopes=["orders:read"])
    partner = client.partner
    order = CustomerOrderFactory(
        partner=partner, warehouse=WarehouseFactory(code="DEL", timezone="Asia/Kolkata")
    )
    lines = [OrderLineFactory(order=order, quantity=3) for _ in range(3)]
    full = Return.objects.create(
        reference="RMA-FULL", order=order, partner=partner, warehouse=order.warehouse,
        channel="partner", status="received", method="pickup", pickup_address=ODD_TEXT,
        pickup_latitude=Decimal("-33.868820"), pickup_longitude=Decimal("151.2093"),
        rejection_reason="", refund_amount=Decimal("1234567.5"), currency="GBP",
        note="not printed", received_at=MICRO,
    )  # fmt: skip
    for line, (reason, condition) in zip(
        lines, [("damaged", "good"), ("wrong_item", ""), ("damaged", "unusable")], strict=True
    ):
        ReturnLine.objects.create(
            ret=full, order_line=line, quantity=2, reason=reason, condition=condition
        )
    # Two events at the same instant (ordered by id), JSON data of every kind, none at all.
    for message, data in [
        (ODD_TEXT, {"b": [1, 2.50, 1e-7, None, True], "a": {"ü": "\u2028"}, "n": 10**20}),
        ("second", "plain \u2029 text"),
        ("third", []),
    ]:
        OrderEvent.objects.create(
            order=order, ret=full, type="return_requested", message=message, at=WHOLE, data=data
        )
    OrderEvent.objects.create(order=order, ret=full, type="return_received", at=MICRO, data={})
    OrderEvent.objects.create(order=order, type="created", at=MICRO)  # the order's, not printed
    bare = Return.objects.create(
        reference="RMA-BARE", order=order, partner=partner, warehouse=order.warehouse,
        channel="dispatcher", status="rejected", rejection_reason="too late",
    )  # fmt: skip
    Return.objects.filter(pk=bare.pk).update(created_at=WHOLE)
    client.get("/api/v1/me/")  # the key is cached
    return client, [full, bare]


def test_every_kind_of_return_prints_what_drf_printed(returns, django_assert_num_queries):
    client, made = returns
    for ret in made:
        with django_assert_num_queries(1):
            response = client.get(f"/api/v1/returns/{ret.reference}/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.content == _drf(ret.reference)
    body = client.get("/api/v1/returns/RMA-FULL/").json()
    assert body["pickup_address"] == ODD_TEXT
    assert body["pickup_latitude"] == "-33.868820"
    assert body["refund_amount"] == "1234567.50"
    assert [line["condition"] for line in body["lines"]] == ["good", "", "unusable"]
    assert [event["message"] for event in body["events"]] == [ODD_TEXT, "second", "third", ""]
    assert body["events"][0]["data"]["n"] == 10**20
    assert b"\\u2028" in client.get("/api/v1/returns/RMA-FULL/").content


def test_times_follow_the_current_zone_as_drf_does(returns):
    client, made = returns
    for zone in ("UTC", "Asia/Kolkata", "America/New_York"):
        with timezone.override(zone):
            for ret in made:
                response = client.get(f"/api/v1/returns/{ret.reference}/")
                assert response.content == _drf(ret.reference), zone
    with timezone.override("Asia/Kolkata"):
        body = client.get("/api/v1/returns/RMA-FULL/").json()
    assert body["received_at"] == "2026-07-14T13:00:00.000250+05:30"
    assert body["events"][0]["at"] == "2026-01-15T05:00:00+05:30"


def test_an_indented_detail_is_printed_indented_with_the_same_content(returns):
    client, _made = returns
    response = client.get("/api/v1/returns/RMA-FULL/", HTTP_ACCEPT="application/json; indent=2")
    assert response.content == _drf("RMA-FULL", accepted_media_type="application/json; indent=2")
    assert response.content.startswith(b'{\n  "id": "RMA-FULL"')


def test_another_partners_return_is_not_found_and_staff_see_every_return(
    returns, partner_api, staff_api
):
    _client, made = returns
    stranger = partner_api(scopes=["orders:read"])
    response = stranger.get(f"/api/v1/returns/{made[0].reference}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "RMA-FULL" in response.json()["detail"]
    assert stranger.get("/api/v1/returns/RMA-NONE/").status_code == 404
    staff = staff_api()
    response = staff.get(f"/api/v1/returns/{made[0].reference}/")
    assert response.status_code == 200
    assert response.content == _drf(made[0].reference)


def test_the_statement_is_prepared_once_per_connection(returns, django_assert_num_queries):
    client, made = returns
    url = f"/api/v1/returns/{made[0].reference}/"
    client.get(url)
    expected = _drf(made[0].reference)
    with django_assert_num_queries(1) as later:
        assert client.get(url).content == expected
    assert later.captured_queries[0]["sql"].startswith("EXECUTE")
    assert len(later.captured_queries[0]["sql"]) < 100  # (the statement's text is not sent)


def test_the_decimals_printed_by_the_database_have_the_serializer_places():
    # PostgreSQL prints a numeric at its column's scale; DRF quantizes to the field's places.
    fields = ReturnDetailOutput().fields
    for name in ("pickup_latitude", "pickup_longitude", "refund_amount"):
        column = Return._meta.get_field(name)
        assert fields[name].decimal_places == column.decimal_places, name
        assert fields[name].max_digits >= column.max_digits, name
