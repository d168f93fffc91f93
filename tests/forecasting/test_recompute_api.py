"""`POST /api/v1/forecasts/{warehouse}/{sku}/recompute/` queues the recompute and answers 202
with a run to poll (the engine's backtest is a second of CPU, never spent in the request): the
run goes queued → running → done with the forecast, or failed with the reason; a recompute
already queued for that product, or the same Idempotency-Key, queues nothing more."""

import pytest

from core.exceptions import ValidationFailed
from core.roles import Role
from forecasting.models import Forecast

URL = "/api/v1/forecasts/FCW/FC-WIDGET/recompute/"


@pytest.fixture
def widget_history(widget, history):
    history(widget, [5, 8, 10, 12, 9, 3, 1] * 6)
    return widget


def test_recompute_answers_202_at_once_and_the_run_ends_with_the_forecast(
    staff_api, widget_history, django_capture_on_commit_callbacks
):
    client = staff_api(Role.PURCHASING)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(URL)
    assert response.status_code == 202
    body = response.json()
    assert response["Location"] == body["url"]
    assert body["url"].endswith(f"{URL}runs/{body['id']}/")
    assert body["status"] == "queued" and body["result"] is None
    assert (body["warehouse"], body["product"]) == ("FCW", "FC-WIDGET")
    assert len(queued) == 1 and not Forecast.objects.filter(product=widget_history).exists()

    poll = client.get(response["Location"])
    assert poll.status_code == 200 and poll.json()["status"] == "queued"

    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    run = client.get(response["Location"]).json()
    forecast = Forecast.objects.get(product=widget_history)
    assert run["status"] == "done" and run["finished_at"] and run["detail"] == ""
    assert run["result"]["product"] == "FC-WIDGET" and run["result"]["model"] == forecast.model_name
    assert len(run["result"]["days"]) == 28


def test_a_recompute_already_queued_for_the_product_is_not_queued_twice(
    staff_api, widget_history, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = staff_api(Role.PURCHASING).post(URL)
        second = staff_api(Role.WAREHOUSE).post(URL)  # another user, same product
    assert first.status_code == second.status_code == 202
    assert second.json()["id"] == first.json()["id"]
    assert second["Location"] == first["Location"]
    assert len(queued) == 1


def test_the_same_idempotency_key_replays_the_run_and_queues_nothing(
    staff_api, widget_history, django_capture_on_commit_callbacks
):
    client = staff_api(Role.PURCHASING)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL, HTTP_IDEMPOTENCY_KEY="fc-1")
    computed = Forecast.objects.get(product=widget_history).computed_at
    with django_capture_on_commit_callbacks(execute=True) as queued:
        again = client.post(URL, HTTP_IDEMPOTENCY_KEY="fc-1")
    assert again.status_code == 202 and again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"] and again.json()["id"] == first.json()["id"]
    assert queued == [] and Forecast.objects.get(product=widget_history).computed_at == computed
    other = client.post("/api/v1/forecasts/FCW/OTHER/recompute/", HTTP_IDEMPOTENCY_KEY="fc-1")
    assert other.status_code == 422  # same key, another request


def test_a_finished_recompute_can_be_asked_for_again(
    staff_api, widget_history, django_capture_on_commit_callbacks
):
    client = staff_api(Role.PURCHASING)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL).json()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        second = client.post(URL).json()
    assert second["id"] != first["id"] and second["status"] == "queued" and len(queued) == 1
    assert client.get(first["url"]).json()["status"] == "done"  # the first run stays readable


def test_a_failed_recompute_says_why_on_its_run(
    staff_api, widget_history, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(**kwargs):
        raise ValidationFailed("No deliveries to learn from.", field="product")

    monkeypatch.setattr("forecasting.services.forecast_product_refresh", refuse)
    client = staff_api(Role.PURCHASING)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL)
    run = client.get(response["Location"]).json()
    assert run["status"] == "failed" and run["detail"] == "No deliveries to learn from."
    assert run["errors"] == [
        {"field": "product", "code": "invalid", "message": "No deliveries to learn from."}
    ]
    assert run["result"] is None
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        retry = client.post(URL)  # a failure does not block the next ask
    assert retry.json()["id"] != run["id"]
    assert client.get(retry["Location"]).json()["status"] == "done"


def test_unknown_warehouse_product_or_run_answer_404_and_queue_nothing(
    staff_api, widget_history, fc_warehouse, django_capture_on_commit_callbacks
):
    client = staff_api(Role.PURCHASING)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client.post("/api/v1/forecasts/NOPE/FC-WIDGET/recompute/").status_code == 404
        assert client.post("/api/v1/forecasts/FCW/NOPE/recompute/").status_code == 404
        run = client.post(URL).json()
    assert len(queued) == 1
    assert client.get(f"{URL}runs/{'0' * 32}/").status_code == 404
    assert client.get(f"{URL}runs/not-a-run/").status_code == 404
    # A run is read under its own product only.
    from tests.factories import ProductFactory

    ProductFactory(sku="FC-OTHER")
    other = client.get(f"/api/v1/forecasts/FCW/FC-OTHER/recompute/runs/{run['id']}/")
    assert other.status_code == 404
    assert other["Content-Type"] == "application/problem+json"


def test_roles_and_partner_keys(staff_api, partner_api, widget_history):
    run = staff_api(Role.WAREHOUSE).post(URL)
    assert run.status_code == 202
    assert staff_api(Role.DISPATCHER).post(URL).status_code == 403
    assert staff_api(Role.DISPATCHER).get(run["Location"]).status_code == 200  # a reader
    partner = partner_api()  # every scope: forecasts aggregate all partners' orders
    assert partner.post(URL).status_code == 403
    assert partner.get(run["Location"]).status_code == 403
