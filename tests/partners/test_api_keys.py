from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from partners.models import ApiKey
from partners.services.api_keys import api_key_create, api_key_revoke, hash_key

pytestmark = pytest.mark.django_db


def client_with(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_valid_key_authenticates_as_its_partner(partner):
    key, raw = api_key_create(partner=partner, name="shop", scopes=["orders:read"])
    response = client_with(raw).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["partner"] == partner.code
    assert response.json()["scopes"] == ["orders:read"]
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_the_key_is_never_stored_in_clear(partner):
    key, raw = api_key_create(partner=partner, name="shop", scopes=[])
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert raw not in str(stored)
    assert stored["key_hash"] == hash_key(raw)
    assert raw.startswith(f"wb_{key.prefix}_")


@pytest.mark.parametrize("case", ["wrong", "revoked", "expired", "malformed"])
def test_bad_keys_get_401_problem_details(partner, case):
    key, raw = api_key_create(partner=partner, name="shop", scopes=[])
    if case == "wrong":
        raw = raw[:-4] + "XXXX"
    elif case == "revoked":
        api_key_revoke(api_key=key)
    elif case == "expired":
        ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    else:
        raw = "not-a-waybill-key"
    response = client_with(raw).get("/api/v1/me/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_unknown_scopes_are_refused(partner):
    from core.exceptions import ValidationFailed

    with pytest.raises(ValidationFailed):
        api_key_create(partner=partner, name="x", scopes=["everything"])
