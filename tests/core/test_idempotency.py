import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from core.idempotency import idempotency_purge
from core.models import IdempotencyRecord, OutboxEvent
from partners.models import ApiKey
from partners.services.api_keys import api_key_create
from tests.factories import PartnerFactory

pytestmark = pytest.mark.urls("tests.core.urls")
URL = "/api/test/events/"


@pytest.mark.django_db
def test_replay_returns_the_stored_response_and_creates_one_row(partner_api):
    client = partner_api()
    body = {"quantity": 3, "sku": "AB-1"}
    first = client.post(URL, body, "json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(URL, body, "json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert OutboxEvent.objects.filter(type="test.created").count() == 1


@pytest.mark.django_db
def test_same_key_with_another_body_is_refused_with_422(partner_api):
    client = partner_api()
    client.post(URL, {"quantity": 3, "sku": "AB-1"}, "json", HTTP_IDEMPOTENCY_KEY="k-2")
    response = client.post(URL, {"quantity": 4, "sku": "AB-1"}, "json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert OutboxEvent.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_scoped_per_partner(partner_api):
    body = {"quantity": 3, "sku": "AB-1"}
    a = partner_api().post(URL, body, "json", HTTP_IDEMPOTENCY_KEY="shared")
    b = partner_api().post(URL, body, "json", HTTP_IDEMPOTENCY_KEY="shared")
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert "Idempotent-Replayed" not in b


@pytest.mark.django_db
def test_a_failed_request_does_not_burn_the_key(partner_api):
    client = partner_api()
    bad = client.post(URL, {"quantity": 0, "sku": "AB-1"}, "json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    retry = client.post(URL, {"quantity": 0, "sku": "AB-1"}, "json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert retry.status_code == 400  # ran again, not replayed


@pytest.mark.django_db
def test_requests_without_a_key_still_work(partner_api):
    client = partner_api()
    for _ in range(2):
        assert client.post(URL, {"quantity": 1, "sku": "A"}, "json").status_code == 201
    assert OutboxEvent.objects.count() == 2


@pytest.mark.django_db
def test_records_are_kept_24_hours_then_purged(partner_api):
    client = partner_api()
    client.post(URL, {"quantity": 1, "sku": "A"}, "json", HTTP_IDEMPOTENCY_KEY="old")
    now = timezone.now()
    assert idempotency_purge(now=now + timedelta(hours=23, minutes=59)) == 0
    assert idempotency_purge(now=now + timedelta(hours=24, minutes=1)) == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_with_one_key_have_exactly_one_effect():
    partner = PartnerFactory()
    _, raw = api_key_create(partner=partner, name="race", scopes=list(ApiKey.Scope.values))
    barrier = threading.Barrier(20)
    results: list = []

    def call():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        barrier.wait()
        try:
            r = client.post(URL, {"quantity": 2, "sku": "RACE"}, "json", HTTP_IDEMPOTENCY_KEY="one")
            results.append((r.status_code, r.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(results) == 20
    assert {status for status, _ in results} == {201}
    assert len({body["id"] for _, body in results}) == 1
    assert OutboxEvent.objects.filter(type="test.created").count() == 1
