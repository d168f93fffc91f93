"""The partner stock list is printed by PostgreSQL (inventory.apis.stock, through
core.output.sql_json_serializer) and must stay byte for byte what DRF printed from model
instances: rows with and without a lot or an expiry, every condition, names that need
escaping, times with and without microseconds, the current zone moved, pages and filters."""

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from core.output import FastOutputMixin, sql_json_serializer
from inventory.apis.stock import StockOutputSerializer
from inventory.models import Lot, Stock
from tests.factories import LocationFactory, ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def _drf_page(ids, *, next_link=None, previous_link=None):
    rows = Stock.objects.select_related("product", "location__warehouse", "lot").in_bulk(ids)
    fast = FastOutputMixin.to_representation
    FastOutputMixin.to_representation = serializers.ModelSerializer.to_representation
    try:
        results = StockOutputSerializer([rows[i] for i in ids], many=True).data
    finally:
        FastOutputMixin.to_representation = fast
    page = {"next": next_link, "previous": previous_link, "results": results}
    return JSONRenderer().render(page)


@pytest.fixture
def stock(partner_api):
    odd = 'Kühl "box" \\ tab\t line\n \u2028 🚚'
    east = LocationFactory(warehouse=WarehouseFactory(code="EAS"), code="A-01", kind="storage")
    dock = LocationFactory(warehouse=WarehouseFactory(code="WES"), code="D-1", kind="dispatch")
    products = [ProductFactory(name=odd), ProductFactory(sku="PLAIN-1", name="Plain")]
    lot = Lot.objects.create(
        product=products[0], code="LOT-9", received_at=timezone.now(), expires_at=date(2027, 2, 3)
    )
    undated = Lot.objects.create(product=products[1], code="LOT-N", received_at=timezone.now())
    whole = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    rows = [
        (products[0], east, lot, "good", 5, 2, whole),
        (products[0], dock, None, "damaged", 1, 0, timezone.now()),
        (products[1], east, undated, "quarantined", 7, 7, timezone.now()),
        (products[1], dock, None, "good", 0, 0, whole),  # nothing on hand: not listed
    ]
    made = [
        Stock.objects.create(
            product=product, location=location, lot=row_lot, condition=condition,
            on_hand=on_hand, reserved=reserved, received_at=received_at,
        )
        for product, location, row_lot, condition, on_hand, reserved, received_at in rows
    ]  # fmt: skip
    return partner_api(scopes=["stock:read"]), made


def test_the_stock_list_prints_what_drf_printed_from_model_instances(stock):
    client, made = stock
    listed = [row.pk for row in reversed(made[:3])]
    response = client.get("/api/v1/stock/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == _drf_page(listed)
    body = response.json()["results"]
    assert [row["id"] for row in body] == listed
    assert body[2]["lot"] == "LOT-9" and body[2]["expires_at"] == "2027-02-03"
    assert body[1]["lot"] is None and body[1]["expires_at"] is None
    assert body[2]["received_at"] == "2026-03-01T09:00:00Z" and body[0]["available"] == 0


def test_stock_times_follow_the_current_zone_as_drf_does(stock):
    client, made = stock
    with timezone.override("America/St_Johns"):  # -03:30 in winter
        response = client.get("/api/v1/stock/")
        assert response.content == _drf_page([row.pk for row in reversed(made[:3])])
    assert response.json()["results"][2]["received_at"] == "2026-03-01T05:30:00-03:30"


def test_stock_pages_and_filters_list_the_rows_drf_listed(stock):
    client, made = stock
    first = client.get("/api/v1/stock/?page_size=2").json()
    assert [row["id"] for row in first["results"]] == [made[2].pk, made[1].pk]
    second = client.get(first["next"])
    assert second.content == _drf_page([made[0].pk], previous_link=second.json()["previous"])
    back = client.get(second.json()["previous"]).json()
    assert [row["id"] for row in back["results"]] == [made[2].pk, made[1].pk]
    cases = {
        "warehouse=WES": [made[1].pk],
        "condition=quarantined": [made[2].pk],
        "lot=lot-9": [made[0].pk],
        "q=k%C3%BChl": [made[1].pk, made[0].pk],
        "location_kind=dispatch": [made[1].pk],
    }
    for query, expected in cases.items():
        response = client.get(f"/api/v1/stock/?{query}")
        assert response.status_code == 200, query
        assert response.content == _drf_page(expected), query
    assert client.get("/api/v1/stock/?condition=lost").status_code == 400


def test_a_field_sql_cannot_print_the_drf_way_is_refused_not_printed_otherwise():
    class Odd(serializers.Serializer):
        when = serializers.DateTimeField(format="%d.%m.%Y")

    with pytest.raises(TypeError, match="when"):
        sql_json_serializer(Odd(), {"when": "x"}, zone="'UTC'")


def test_the_stock_list_is_prepared_once_and_other_filter_values_reuse_it(
    stock, django_assert_max_num_queries
):
    client, made = stock
    assert client.get("/api/v1/stock/?warehouse=EAS").status_code == 200
    with django_assert_max_num_queries(2) as again:  # (the key may be read once more)
        response = client.get("/api/v1/stock/?warehouse=WES")
    assert again.captured_queries[-1]["sql"].startswith("EXECUTE ")
    assert response.content == _drf_page([made[1].pk])
