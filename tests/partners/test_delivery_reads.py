"""The delivery log reads in one query each (list: no endpoint secrets or event payloads
loaded; detail: the attempts in the delivery's own query) and prints exactly what it printed
from model instances, byte for byte."""

from datetime import UTC, datetime

import pytest
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from core.output import FastOutputMixin
from partners.apis.webhooks import DeliveryDetailOutput, DeliveryOutput
from partners.models import ApiKey, WebhookAttempt, WebhookDelivery
from partners.selectors import partner_webhook_deliveries
from tests.partners.isolation_registry import make_webhook_delivery

pytestmark = pytest.mark.django_db


def _drf(render):
    fast = FastOutputMixin.to_representation
    FastOutputMixin.to_representation = serializers.Serializer.to_representation
    try:
        return render()
    finally:
        FastOutputMixin.to_representation = fast


@pytest.fixture
def log(partner_api, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    client = partner_api(scopes=[ApiKey.Scope.WEBHOOKS_MANAGE])
    deliveries = [make_webhook_delivery(client.partner) for _ in range(3)]
    for number, started in enumerate(
        [datetime(2026, 5, 4, 9, 0, tzinfo=UTC), datetime(2026, 5, 4, 9, 0, 5, 250000, tzinfo=UTC)],
        start=1,
    ):
        WebhookAttempt.objects.create(
            delivery=deliveries[0], number=number, url="https://hooks.example.com/x",
            started_at=started, duration_ms=120 * number,
            request_headers={"webhook-id": deliveries[0].msg_id, "x": "ü"},
            response_status=500 if number == 1 else None, response_body="broke\n",
            error="" if number == 1 else "timed out",
        )  # fmt: skip
    client.get("/api/v1/me/")  # the key is cached
    return client, deliveries


def test_the_delivery_list_reads_one_query_and_prints_what_it_printed(
    log, django_assert_max_num_queries
):
    client, _deliveries = log
    with django_assert_max_num_queries(1):
        response = client.get("/api/v1/webhook-deliveries/")
    assert response.status_code == 200
    rows = partner_webhook_deliveries(partner=client.partner)
    page = {"next": None, "previous": None, "results": DeliveryOutput(rows, many=True).data}
    assert response.content == _drf(lambda: JSONRenderer().render(page))
    assert len(response.json()["results"]) == 3


def test_the_delivery_detail_reads_one_query_and_prints_what_it_printed(
    log, django_assert_max_num_queries
):
    client, deliveries = log
    with django_assert_max_num_queries(1):
        response = client.get(f"/api/v1/webhook-deliveries/{deliveries[0].msg_id}/")
    assert response.status_code == 200
    instance = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=deliveries[0].pk)
    assert response.content == _drf(
        lambda: JSONRenderer().render(DeliveryDetailOutput(instance).data)
    )
    attempts = response.json()["attempts"]
    assert [a["started_at"] for a in attempts] == [
        "2026-05-04T09:00:00Z",
        "2026-05-04T09:00:05.250000Z",
    ]
