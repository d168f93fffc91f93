"""`/api/v1/forecasts/`: read per product/warehouse, CSV export, recompute, volume, reorder."""

import csv
import io

import pytest

from core.roles import Role
from forecasting.models import Forecast
from forecasting.services import forecast_warehouse_refresh

WEEK = [5, 8, 10, 12, 9, 3, 1]


@pytest.fixture
def computed(fc_warehouse, widget, history, volume):
    history(widget, WEEK * 6)
    volume([2, 3, 3, 4, 3, 1, 0] * 6)
    forecast_warehouse_refresh(warehouse=fc_warehouse)
    return Forecast.objects.get(product=widget)


def test_list_filters_by_warehouse_and_product(staff_api, computed):
    client = staff_api(Role.PURCHASING)
    body = client.get("/api/v1/forecasts/", {"warehouse": "FCW", "product": "FC-WIDGET"}).json()
    [row] = body["results"]
    assert row["product"] == "FC-WIDGET" and row["warehouse"] == "FCW"
    assert row["model"] == computed.model_name and len(row["days"]) == 28
    assert set(row["days"][0]) == {"date", "point", "lo80", "hi80", "lo95", "hi95"}
    stops = client.get("/api/v1/forecasts/", {"metric": "stops"}).json()["results"]
    assert [r["metric"] for r in stops] == ["stops"] and stops[0]["product"] is None


def test_detail_and_404_naming_the_unknown_part(staff_api, computed):
    client = staff_api(Role.DISPATCHER)
    body = client.get("/api/v1/forecasts/FCW/FC-WIDGET/").json()
    assert body["mase"] == pytest.approx(computed.mase)
    missing = client.get("/api/v1/forecasts/NOPE/FC-WIDGET/")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/problem+json")
    assert missing.json()["errors"][0]["field"] == "warehouse"


def test_bad_filters_answer_problem_details_naming_the_parameter(staff_api, computed):
    client = staff_api(Role.PURCHASING)
    bad = client.get("/api/v1/forecasts/", {"metric": "weather"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "metric"
    bad = client.get("/api/v1/forecasts/", {"metric": "stops", "product": "FC-WIDGET"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "metric"
    bad = client.get("/api/v1/forecasts/volume/FCW/", {"days": "90"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "days"
    bad = client.get("/api/v1/forecasts/reorder-suggestions/", {"service_level": "2"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "service_level"


def test_csv_export_has_one_row_per_forecast_day(staff_api, computed):
    response = staff_api(Role.WAREHOUSE).get("/api/v1/forecasts/export.csv", {"warehouse": "FCW"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 28
    assert rows[0]["product"] == "FC-WIDGET" and rows[0]["date"] == computed.start_date.isoformat()
    assert float(rows[0]["point"]) == pytest.approx(computed.point[0], abs=1e-3)


def test_recompute_is_for_purchasing_and_warehouse_roles(
    staff_api, computed, django_capture_on_commit_callbacks
):
    assert (
        staff_api(Role.DISPATCHER).post("/api/v1/forecasts/FCW/FC-WIDGET/recompute/").status_code
        == 403
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api(Role.WAREHOUSE).post("/api/v1/forecasts/FCW/FC-WIDGET/recompute/")
    assert response.status_code == 202  # queued; tests/forecasting/test_recompute_api.py
    assert (
        Forecast.objects.get(pk__gt=0, product__sku="FC-WIDGET").computed_at > computed.computed_at
    )


def test_partners_cannot_read_forecasts(partner_api, computed):
    assert partner_api().get("/api/v1/forecasts/").status_code == 403


def test_volume_per_day_never_below_booked_orders(staff_api, computed, volume, fc_warehouse):
    from datetime import timedelta

    from inventory.selectors.stock import warehouse_today

    tomorrow = warehouse_today(fc_warehouse) + timedelta(days=1)
    volume([40], start=tomorrow, status="confirmed")
    body = staff_api(Role.DISPATCHER).get("/api/v1/forecasts/volume/FCW/", {"days": 3}).json()
    assert body["days"][0]["date"] == tomorrow.isoformat()
    assert body["days"][0]["stops"] == 40 and body["days"][0]["booked_stops"] == 40
    assert body["days"][1]["has_forecast"] is True


def test_reorder_suggestions_under_both_policies(staff_api, computed):
    client = staff_api(Role.PURCHASING)
    body = client.get("/api/v1/forecasts/reorder-suggestions/", {"policy": "forecast"}).json()
    assert body["policy"] == "forecast"
    [row] = body["results"]
    assert row["product"] == "FC-WIDGET" and "expected demand" in row["reason"]
    fixed = client.get("/api/v1/forecasts/reorder-suggestions/", {"policy": "fixed"}).json()
    assert fixed["results"] == []  # the widget has no fixed reorder point


def test_the_list_and_the_export_share_their_filters(staff_api, computed):
    client = staff_api(Role.PURCHASING)
    for url in ("/api/v1/forecasts/", "/api/v1/forecasts/export.csv"):
        unknown = client.get(url, {"warehouse": "NOPE"})
        assert unknown.status_code == 404
        assert unknown.json()["errors"][0]["field"] == "warehouse"
        unknown = client.get(url, {"product": "NOPE"})
        assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "product"
    stops = client.get("/api/v1/forecasts/export.csv", {"metric": "stops"}).content.decode()
    assert {row["metric"] for row in csv.DictReader(io.StringIO(stops))} == {"stops"}
