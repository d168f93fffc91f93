"""The order and return reads print exactly what DRF printed from model instances: the rows
read in one query (orders.selectors.orders_for_api / returns_for_api) change nothing a client
sees, byte for byte — decimals, times with and without microseconds, nulls, nested JSON."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from core.output import FastOutputMixin
from orders.apis.common import EventOutput
from orders.apis.orders import (
    AttemptOutput,
    LineOutput,
    OrderDetailOutput,
    OrderOutput,
    ParcelOutput,
)
from orders.apis.returns import ReturnDetailOutput, ReturnLineOutput, ReturnOutput
from orders.models import CustomerOrder, DeliveryAttempt, OrderEvent, Parcel, Return, ReturnLine
from orders.selectors import order_with_details, return_get
from tests.factories import CustomerOrderFactory, OrderLineFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


class _Order(OrderOutput):
    lines = LineOutput(many=True)
    parcels = ParcelOutput(many=True)


class _OrderDetail(OrderDetailOutput):
    lines = LineOutput(many=True)
    parcels = ParcelOutput(many=True)
    events = EventOutput(many=True)
    attempts = AttemptOutput(many=True)


class _ReturnDetail(ReturnDetailOutput):
    lines = ReturnLineOutput(many=True)
    events = EventOutput(many=True)


def _drf(render):
    """`render()` with DRF's own Serializer.to_representation at every level."""
    fast = FastOutputMixin.to_representation
    FastOutputMixin.to_representation = serializers.Serializer.to_representation
    try:
        return render()
    finally:
        FastOutputMixin.to_representation = fast


def _page(results):
    return JSONRenderer().render({"next": None, "previous": None, "results": results})


@pytest.fixture
def orders(partner_api):
    client = partner_api(scopes=["orders:read"])
    warehouse = WarehouseFactory(code="BER", timezone="Europe/Berlin")
    whole_second = datetime(2026, 5, 4, 7, 30, tzinfo=UTC)
    full = CustomerOrderFactory(
        partner=client.partner, warehouse=warehouse, external_ref="SHOP-1",
        window2_start=whole_second + timedelta(hours=5),
        window2_end=whole_second + timedelta(hours=6),
        required_skills=["refrigerated", "tail_lift"], instructions="Ring twice — «Hof»",
    )  # fmt: skip
    for price in ("12.5", "0.10", "1234567.99"):
        OrderLineFactory(order=full, unit_price=Decimal(price), quantity=3)
    Parcel.objects.create(
        order=full, label_code="P-1", weight_kg=Decimal("1.5"), volume_m3=Decimal("0.0001")
    )
    Parcel.objects.create(
        order=full, label_code="P-2", weight_kg=Decimal("20"), volume_m3=Decimal("0.25")
    )
    DeliveryAttempt.objects.create(
        order=full, attempted_at=whole_second, outcome="failed", failure_reason="refused",
        note="at the door",
    )  # fmt: skip
    OrderEvent.objects.create(
        order=full, type="created", message="Created", at=whole_second,
        data={"a": [1, 2.5, None], "b": {"c": "ü"}},
    )  # fmt: skip
    OrderEvent.objects.create(order=full, type="confirmed", message="Confirmed", at=timezone.now())
    bare = CustomerOrderFactory(
        partner=client.partner, warehouse=warehouse, latitude=None, longitude=None
    )
    return client, [full, bare]


def test_the_order_list_prints_what_drf_printed_from_model_instances(orders):
    client, _made = orders
    response = client.get("/api/v1/orders/")
    assert response.status_code == 200
    instances = order_with_details(CustomerOrder.objects.order_by("-id"))
    expected = _drf(lambda: _page(_Order(instances, many=True).data))
    assert response.content == expected
    assert response.json()["results"][1]["lines"][2]["unit_price"] == "1234567.99"


def test_the_order_detail_prints_what_drf_printed_from_model_instances(orders):
    client, made = orders
    for order in made:
        response = client.get(f"/api/v1/orders/{order.reference}/")
        instance = order_with_details(CustomerOrder.objects.filter(pk=order.pk)).get()
        assert response.content == _drf(
            lambda instance=instance: JSONRenderer().render(_OrderDetail(instance).data)
        )
    events = client.get(f"/api/v1/orders/{made[0].reference}/").json()["events"]
    assert events[0]["at"] == "2026-05-04T07:30:00Z"
    assert events[0]["data"] == {"a": [1, 2.5, None], "b": {"c": "ü"}}


def test_the_return_list_and_detail_print_what_drf_printed_from_model_instances(orders):
    client, made = orders
    full = made[0]
    ret = Return.objects.create(
        reference="RMA-1", order=full, partner=full.partner, warehouse=full.warehouse,
        channel="partner", pickup_address="Hof 2", pickup_latitude=Decimal("52.5"),
        pickup_longitude=Decimal("13.4"), refund_amount=Decimal("12.5"),
        received_at=datetime(2026, 5, 5, 9, 0, 0, 120000, tzinfo=UTC),
    )  # fmt: skip
    for line, condition in zip(full.lines.order_by("pk"), ("good", ""), strict=False):
        ReturnLine.objects.create(
            ret=ret, order_line=line, quantity=1, reason="damaged", condition=condition
        )
    OrderEvent.objects.create(
        order=full, ret=ret, type="return_requested", message="Asked", at=timezone.now(),
        data={"lines": 2},
    )  # fmt: skip
    Return.objects.create(
        reference="RMA-2", order=made[1], partner=full.partner, warehouse=full.warehouse,
        channel="dispatcher", status="rejected", rejection_reason="too late",
    )  # fmt: skip

    listed = client.get("/api/v1/returns/")
    instances = Return.objects.select_related("order").order_by("-id")
    assert listed.content == _drf(lambda: _page(ReturnOutput(instances, many=True).data))

    detail = client.get("/api/v1/returns/RMA-1/")
    instance = return_get(reference="RMA-1", user=None)
    assert detail.content == _drf(lambda: JSONRenderer().render(_ReturnDetail(instance).data))
    assert [line["condition"] for line in detail.json()["lines"]] == ["good", ""]
