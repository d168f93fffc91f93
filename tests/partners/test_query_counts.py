"""API-key authentication costs no query once the key is cached, and a change to the key or
its partner reaches the very next request."""

import pytest

from partners.models import ApiKey
from partners.services.accounts import partner_scopes_set
from partners.services.api_keys import api_key_create, api_key_revoke, api_key_scopes_set

pytestmark = pytest.mark.django_db


def test_a_cached_key_authenticates_without_a_query(partner_api, django_assert_num_queries):
    client = partner_api()
    assert client.get("/api/v1/me/").status_code == 200
    with django_assert_num_queries(0):
        response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["partner"] == client.partner.code


def test_list_of_keys_answers_in_one_query(partner_api, django_assert_max_num_queries):
    client = partner_api(scopes=[ApiKey.Scope.WEBHOOKS_MANAGE])
    for n in range(4):
        api_key_create(partner=client.partner, name=f"k{n}", scopes=[])
    client.get("/api/v1/me/")
    with django_assert_max_num_queries(1):
        response = client.get("/api/v1/api-keys/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 5


def test_revoking_a_cached_key_refuses_the_next_request(partner_api):
    client = partner_api()
    assert client.get("/api/v1/me/").status_code == 200
    api_key_revoke(api_key=ApiKey.objects.get(pk=client.api_key.pk))
    assert client.get("/api/v1/me/").status_code == 401


def test_new_scopes_of_a_cached_key_apply_to_the_next_request(partner_api):
    client = partner_api(scopes=[ApiKey.Scope.ORDERS_READ])
    partner_scopes_set(partner=client.partner, allowed_scopes=list(ApiKey.Scope.values))
    assert client.get("/api/v1/orders/").status_code == 200
    api_key_scopes_set(
        api_key=ApiKey.objects.get(pk=client.api_key.pk), scopes=[ApiKey.Scope.STOCK_READ]
    )
    assert client.get("/api/v1/orders/").status_code == 403
    assert client.get("/api/v1/stock/").status_code == 200


def test_deactivating_the_partner_of_a_cached_key_refuses_the_next_request(partner_api):
    client = partner_api()
    assert client.get("/api/v1/me/").status_code == 200
    partner = client.partner
    partner.is_active = False
    partner.save()
    assert client.get("/api/v1/me/").status_code == 401


def test_a_known_key_is_read_and_counted_in_one_redis_round_trip(partner_api, monkeypatch):
    from redis.client import Pipeline, Redis

    client = partner_api()
    client.get("/api/v1/me/")  # the process learns which key id the hash belongs to
    trips = []
    real_execute, real_command = Pipeline.execute, Redis.execute_command

    def execute(self, *args, **kwargs):
        trips.append([c[0][0] for c in self.command_stack])
        return real_execute(self, *args, **kwargs)

    def command(self, *args, **kwargs):
        if not isinstance(self, Pipeline):
            trips.append([args[0]])
        return real_command(self, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "execute", execute)
    monkeypatch.setattr(Redis, "execute_command", command)
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert trips == [["GET", "INCRBY", "EXPIRE", "INCRBY", "EXPIRE"]]
    # ...and the count is the throttle's: the window's second request.
    assert response["RateLimit-Remaining"] == "598"
