"""RL-1: per-key throttle in Redis, 429 with Retry-After, RateLimit-* headers, no XFF bypass."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from django.test import RequestFactory

from core.throttling import client_ip, parse_rate
from partners.throttling import rate_limit_hit

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit_5(settings):
    settings.API_RATE_LIMIT = "5/min"


def test_every_api_response_carries_rate_limit_headers(partner_api):
    response = partner_api().get("/api/v1/me/")
    assert response.status_code == 200
    assert response["RateLimit-Limit"] == "600"
    assert response["RateLimit-Remaining"] == "599"
    assert 1 <= int(response["RateLimit-Reset"]) <= 60


def test_the_request_over_the_limit_gets_429_problem_with_retry_after(partner_api, limit_5):
    client = partner_api()
    statuses = [client.get("/api/v1/me/").status_code for _ in range(5)]
    assert statuses == [200] * 5
    response = client.get("/api/v1/me/")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["RateLimit-Remaining"] == "0"


def test_keys_are_limited_separately(partner_api, limit_5):
    first, second = partner_api(), partner_api()
    for _ in range(6):
        first.get("/api/v1/me/")
    assert first.get("/api/v1/me/").status_code == 429
    assert second.get("/api/v1/me/").status_code == 200


def test_a_spoofed_x_forwarded_for_does_not_reset_the_counter(partner_api, limit_5, staff_api):
    client = partner_api()
    codes = [
        client.get("/api/v1/me/", HTTP_X_FORWARDED_FOR=f"10.9.8.{n}").status_code for n in range(7)
    ]
    assert codes.count(200) == 5 and codes[-1] == 429
    staff = staff_api()
    codes = [
        staff.get("/api/v1/me/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(7)
    ]
    assert codes.count(200) == 5 and codes[-1] == 429


def test_the_client_address_trusts_only_the_configured_proxies(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
    )
    settings.API_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.API_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.7"  # the hop our proxy saw, not the spoofed one


def test_concurrent_requests_cannot_exceed_the_limit():
    """Redis INCR is atomic: 60 concurrent hits on a limit of 20 let exactly 20 through."""
    request = SimpleNamespace(
        user=SimpleNamespace(api_key=SimpleNamespace(pk=uuid.uuid4().int), is_authenticated=True),
        META={},
    )
    now = 1_800_000_000.0  # one fixed window for every thread

    def hit(_):
        _state, count = rate_limit_hit(request, rate="20/min", now=now)
        return count <= 20

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(hit, range(60)))
    assert results.count(True) == 20


def test_rates_parse():
    assert parse_rate("600/min") == (600, 60)
    assert parse_rate("10/s") == (10, 1)
    assert parse_rate("1000/hour") == (1000, 3600)
