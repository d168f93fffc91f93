"""FastOutputMixin gives exactly the representation DRF gives, nulls and nesting included."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from core.output import FastOutputMixin, json_array_times
from inventory.apis.catalog import LocationSerializer, ProductSerializer, WarehouseSerializer
from inventory.apis.stock import StockOutputSerializer
from inventory.models import Lot, Stock
from orders.apis.orders import OrderDetailOutput, OrderOutput
from orders.models import DeliveryAttempt, OrderEvent, Parcel
from orders.selectors import orders_for_api
from tests.factories import (
    CustomerOrderFactory,
    LocationFactory,
    OrderLineFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db


def _as_drf(monkeypatch, render):
    """The same rendering with DRF's own Serializer.to_representation at every level."""
    with monkeypatch.context() as m:
        m.setattr(FastOutputMixin, "to_representation", serializers.Serializer.to_representation)
        return render()


def test_orders_render_as_drf_renders_them(monkeypatch):
    order = CustomerOrderFactory(window2_start=None, external_ref="", instructions="ring twice")
    bare = CustomerOrderFactory(latitude=None, longitude=None)
    for _ in range(2):
        OrderLineFactory(order=order, unit_price=Decimal("12.5"))
    Parcel.objects.create(
        order=order, label_code="P-1", weight_kg=Decimal("1.5"), volume_m3=Decimal("0.01")
    )
    DeliveryAttempt.objects.create(
        order=order, attempted_at=timezone.now(), outcome="failed", failure_reason="refused"
    )
    OrderEvent.objects.create(
        order=order, type="created", message="Created", at=timezone.now(), data={"a": [1]}
    )
    orders = list(
        orders_for_api(
            type(order).objects.filter(pk__in=[order.pk, bare.pk]).order_by("pk"), details=True
        )
    )
    for o in orders:
        json_array_times(o.attempt_rows, "attempted_at")
        json_array_times(o.event_rows, "at")

    def render():
        return json.dumps(
            [OrderDetailOutput(o).data for o in orders] + [OrderOutput(orders, many=True).data],
            sort_keys=True,
        )

    assert render() == _as_drf(monkeypatch, render)
    assert json.loads(render())[0]["lines"][0]["unit_price"] == "12.50"


def test_stock_rows_with_and_without_lots_render_as_drf_renders_them(monkeypatch):
    product = ProductFactory()
    location = LocationFactory()
    lot = Lot.objects.create(
        product=product, code="L1", received_at=timezone.now(),
        expires_at=date.today() + timedelta(days=9),
    )  # fmt: skip
    for row_lot in (lot, None):
        Stock.objects.create(
            product=product, location=location, lot=row_lot, condition="good", on_hand=5,
            reserved=1, received_at=timezone.now(),
        )  # fmt: skip
    rows = list(Stock.objects.select_related("product", "location__warehouse", "lot"))

    def render():
        return json.dumps(StockOutputSerializer(rows, many=True).data, sort_keys=True)

    assert render() == _as_drf(monkeypatch, render)
    assert {r["lot"] for r in json.loads(render())} == {"L1", None}


def test_catalog_rows_render_as_drf_renders_them(monkeypatch):
    products = [ProductFactory(), ProductFactory(preferred_supplier_code="SUP-1")]
    locations = [LocationFactory(), LocationFactory()]
    warehouses = [location.warehouse for location in locations]

    def render():
        return json.dumps(
            [
                ProductSerializer(products, many=True).data,
                LocationSerializer(locations, many=True).data,
                WarehouseSerializer(warehouses, many=True).data,
            ],
            sort_keys=True,
        )

    assert render() == _as_drf(monkeypatch, render)
    assert json.loads(render())[1][0]["warehouse"] == locations[0].warehouse.code
