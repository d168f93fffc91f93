"""Forecast pages: the product chart (history, forecast, intervals; plotly served locally),
the list with CSV export, recompute, and the forecast reorder page."""

import pytest

from core.roles import Role
from forecasting.models import Forecast
from forecasting.services import forecast_warehouse_refresh
from purchasing.models import PurchaseOrder
from tests.conftest import make_user
from tests.factories import ProductFactory, SupplierFactory, SupplierProductFactory

WEEK = [5, 8, 10, 12, 9, 3, 1]


@pytest.fixture
def computed(fc_warehouse, widget, history):
    history(widget, WEEK * 6)
    forecast_warehouse_refresh(warehouse=fc_warehouse)
    return Forecast.objects.get(product=widget)


def _login(client, role):
    client.force_login(make_user(role))
    return client


def test_product_page_draws_history_forecast_and_intervals(
    client, computed, django_assert_max_num_queries
):
    _login(client, Role.PURCHASING)
    with django_assert_max_num_queries(14):
        response = client.get("/orders/forecasts/products/FC-WIDGET/?warehouse=FCW")
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-plotly-figure" in html and "cdn" not in html.lower()
    for trace in ("History", "Forecast", "80 % interval", "95 % interval"):
        assert trace in html
    assert "/static/vendor/plotly/plotly-basic-4.1.1.min.js" in html
    assert computed.get_model_name_display() in html
    assert "Example for a 7-day lead time: lead time 7 d, expected demand" in html


def test_plotly_bundle_is_a_static_file_cached_as_immutable(client):
    response = client.get("/static/vendor/plotly/plotly-basic-4.1.1.min.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    head = b"".join(response.streaming_content)[:300]
    assert b"plotly.js (basic - minified) v4.1.1" in head
    assert "immutable" in response["Cache-Control"]


def test_product_without_forecast_offers_recompute_and_it_works(
    client, fc_warehouse, history, django_capture_on_commit_callbacks
):
    newbie = ProductFactory(sku="FC-NEW")
    history(newbie, [2, 0, 3])
    _login(client, Role.WAREHOUSE)
    page = client.get("/orders/forecasts/products/FC-NEW/?warehouse=FCW").content.decode()
    assert "No forecast for FC-NEW" in page and "Recompute now" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/orders/forecasts/products/FC-NEW/recompute/", {"warehouse": "FCW"})
    assert response.status_code == 302
    forecast = Forecast.objects.get(product=newbie)
    assert forecast.model_name == "mean" and "Only 3 days" in forecast.reason


def test_recompute_without_a_warehouse_is_refused_with_a_message(client, computed):
    _login(client, Role.WAREHOUSE)
    response = client.post("/orders/forecasts/products/FC-WIDGET/recompute/", follow=True)
    assert "Choose a warehouse" in response.content.decode()


def test_roles_guard_the_pages(client, computed):
    assert client.get("/orders/forecasts/").status_code == 302  # login
    _login(client, Role.DRIVER)
    assert client.get("/orders/forecasts/").status_code == 403
    client.logout()
    _login(client, Role.DISPATCHER)
    assert client.post("/orders/forecasts/products/FC-WIDGET/recompute/").status_code == 403


def test_list_page_and_csv_export(client, computed, django_assert_max_num_queries):
    _login(client, Role.DISPATCHER)
    with django_assert_max_num_queries(12):
        page = client.get("/orders/forecasts/?warehouse=FCW")
    assert page.status_code == 200 and "FC-WIDGET" in page.content.decode()
    export = client.get("/orders/forecasts/export.csv?warehouse=FCW")
    assert export.content.decode().count("FC-WIDGET") == 28


def test_forecast_reorder_page_creates_draft_orders(client, computed, widget):
    SupplierProductFactory(supplier=SupplierFactory(code="FCSUP"), product=widget)
    _login(client, Role.PURCHASING)
    page = client.get("/orders/forecasts/reorder/?service_level=0.95").content.decode()
    assert "FC-WIDGET" in page and "expected demand" in page
    client.post("/orders/forecasts/reorder/", {"service_level": "0.95", "product": [widget.pk]})
    po = PurchaseOrder.objects.get()
    assert po.status == "draft" and "FC-WIDGET" in po.justification
