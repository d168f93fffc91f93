""" "Recompute now" on a product's forecast runs in the background: the click answers at once,
the page says it is recomputing (polled), then shows the new forecast; a double click
recomputes once; a failure is shown on the page and the button tries again."""

import pytest

from core.exceptions import ValidationFailed
from core.roles import Role
from forecasting.models import Forecast
from tests.conftest import make_user
from tests.factories import ProductFactory

PAGE = "/orders/forecasts/products/FC-NEW/?warehouse=FCW"
RECOMPUTE = "/orders/forecasts/products/FC-NEW/recompute/"


@pytest.fixture
def newbie(db, client, fc_warehouse, history):
    product = ProductFactory(sku="FC-NEW")
    history(product, [2, 0, 3, 4, 1])
    client.force_login(make_user(Role.PURCHASING))
    return product


def test_the_click_answers_at_once_and_the_page_follows_the_recompute(
    client, newbie, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(RECOMPUTE, {"warehouse": "FCW"}, follow=True)
        again = client.post(RECOMPUTE, {"warehouse": "FCW"}, follow=True)
    assert len(callbacks) == 1  # the second click queued nothing
    assert not Forecast.objects.filter(product=newbie).exists()
    page = response.content.decode()
    assert "Recomputing the forecast" in page and 'hx-trigger="every 1s"' in page
    assert "already being recomputed" in again.content.decode()
    poll = client.get(PAGE + "&progress=1", HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and "Waiting for a worker" in poll.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()
    assert Forecast.objects.get(product=newbie).model_name == "mean"
    poll = client.get(PAGE + "&progress=1", HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true"
    page = client.get(PAGE).content.decode()
    assert "Recomputing the forecast" not in page and "No forecast for FC-NEW" not in page


def test_a_failed_recompute_is_shown_and_the_button_tries_again(
    client, newbie, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(**kwargs):
        raise ValidationFailed("No deliveries to learn from.", field="product")

    monkeypatch.setattr("forecasting.services.forecast_product_refresh", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RECOMPUTE, {"warehouse": "FCW"})
    page = client.get(PAGE).content.decode()
    assert "The last recompute failed" in page and "No deliveries to learn from." in page
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RECOMPUTE, {"warehouse": "FCW"})
    assert Forecast.objects.filter(product=newbie).exists()
    assert "The last recompute failed" not in client.get(PAGE).content.decode()


def test_only_purchasing_and_warehouse_may_recompute(client, newbie):
    client.force_login(make_user(Role.DISPATCHER))
    assert client.post(RECOMPUTE, {"warehouse": "FCW"}).status_code == 403
    assert "Recompute now" not in client.get(PAGE).content.decode()
