"""The delivery log reads in one query each (list: no endpoint secrets or event payloads
loaded; detail: printed by PostgreSQL, partners.selectors.partner_webhook_delivery_json) and
prints exactly what DRF printed from model instances, byte for byte: text that needs escaping,
payloads of every kind, times in zones east, west and on UTC, partners kept apart."""

from datetime import UTC, datetime
from unittest.mock import ANY

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from core.models import OutboxEvent
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


ODD_TEXT = 'He said "no" \\ then\nleft\t\x01 — «Hof» \u2028 ü 😀'


def _drf_detail(delivery, **render):
    instance = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery.pk)
    return _drf(lambda: JSONRenderer().render(DeliveryDetailOutput(instance).data, **render))


@pytest.fixture
def odd_delivery(log):
    """A delivery with everything set, text that needs escaping and a payload of every kind."""
    client, deliveries = log
    delivery = deliveries[1]
    OutboxEvent.objects.filter(pk=delivery.event_id).update(
        type="order.delivered",
        payload={"b": [1, 2.50, 1e-7, None, True], "a": {"ü": ODD_TEXT}, "n": 10**20},
        created_at=datetime(2026, 5, 4, 9, 0, 0, 17, tzinfo=UTC),
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="failed", attempts_count=3, last_error=ODD_TEXT,
        next_attempt_at=datetime(2026, 5, 4, 23, 59, 59, 999999, tzinfo=UTC),
        last_attempt_at=datetime(2026, 5, 4, 9, 0, tzinfo=UTC),
        delivered_at=datetime(2026, 5, 4, 9, 1, tzinfo=UTC),
    )  # fmt: skip
    for number in (2, 1):  # printed by number, not as written
        WebhookAttempt.objects.create(
            delivery=delivery, number=number, url=f"https://hooks.example.com/{number}",
            started_at=datetime(2026, 5, 4, 9, number, tzinfo=UTC), duration_ms=0,
            request_headers={} if number == 1 else {"z": ODD_TEXT, "a": None, "webhook-id": "x"},
            response_status=None, response_body=ODD_TEXT, error=ODD_TEXT, is_manual=number == 2,
        )  # fmt: skip
    return client, delivery


def test_every_kind_of_delivery_prints_what_drf_printed(
    log, odd_delivery, django_assert_num_queries
):
    client, deliveries = log
    for delivery in deliveries:
        with django_assert_num_queries(1):
            response = client.get(f"/api/v1/webhook-deliveries/{delivery.msg_id}/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.content == _drf_detail(delivery)
    body = response.json()
    assert body["payload"] == {"type": "webhook.test", "timestamp": ANY, "data": ANY}
    _client, odd = odd_delivery
    body = client.get(f"/api/v1/webhook-deliveries/{odd.msg_id}/").json()
    assert body["payload"]["timestamp"] == "2026-05-04T09:00:00.000017+00:00"
    assert body["payload"]["data"]["a"] == {"ü": ODD_TEXT}
    assert [a["number"] for a in body["attempts"]] == [1, 2]
    assert body["attempts"][1]["request_headers"] == {"z": ODD_TEXT, "a": None, "webhook-id": "x"}


def test_delivery_times_follow_the_current_zone_as_drf_does(log, odd_delivery):
    client, deliveries = log
    for zone in ("UTC", "Asia/Kolkata", "America/New_York"):
        with timezone.override(zone):
            for delivery in deliveries:
                response = client.get(f"/api/v1/webhook-deliveries/{delivery.msg_id}/")
                assert response.content == _drf_detail(delivery), zone
    _client, odd = odd_delivery
    with timezone.override("America/New_York"):
        body = client.get(f"/api/v1/webhook-deliveries/{odd.msg_id}/").json()
    assert body["next_attempt_at"] == "2026-05-04T19:59:59.999999-04:00"
    assert body["payload"]["timestamp"] == "2026-05-04T09:00:00.000017+00:00"  # the body's own


def test_an_indented_delivery_is_printed_indented_with_the_same_content(log, odd_delivery):
    client, odd = odd_delivery
    accept = "application/json; indent=4"
    response = client.get(f"/api/v1/webhook-deliveries/{odd.msg_id}/", HTTP_ACCEPT=accept)
    assert response.content == _drf_detail(odd, accepted_media_type=accept)


def test_headers_only_the_serializer_prints_are_printed_by_it(log):
    client, deliveries = log
    WebhookAttempt.objects.create(
        delivery=deliveries[2], number=1, url="https://hooks.example.com/x",
        started_at=datetime(2026, 5, 4, 9, 0, tzinfo=UTC),
        request_headers={"retry": 2, "ok": True, "nested": {"a": [1]}},
    )  # fmt: skip
    response = client.get(f"/api/v1/webhook-deliveries/{deliveries[2].msg_id}/")
    assert response.content == _drf_detail(deliveries[2])
    assert response.json()["attempts"][0]["request_headers"] == {
        "retry": "2", "ok": "True", "nested": "{'a': [1]}",
    }  # fmt: skip


def test_another_partners_delivery_is_not_found(log, partner_api):
    _client, deliveries = log
    stranger = partner_api(scopes=[ApiKey.Scope.WEBHOOKS_MANAGE])
    response = stranger.get(f"/api/v1/webhook-deliveries/{deliveries[0].msg_id}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert stranger.get("/api/v1/webhook-deliveries/msg_nothing/").status_code == 404


def test_the_detail_statement_is_prepared_once_per_connection(log, django_assert_num_queries):
    client, deliveries = log
    url = f"/api/v1/webhook-deliveries/{deliveries[0].msg_id}/"
    client.get(url)
    expected = _drf_detail(deliveries[0])
    with django_assert_num_queries(1) as later:
        assert client.get(url).content == expected
    assert later.captured_queries[0]["sql"].startswith("EXECUTE")
    assert len(later.captured_queries[0]["sql"]) < 100  # (the statement's text is not sent)
