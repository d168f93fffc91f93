"""Partner API: keys, webhook endpoints, deliveries — scoped, validated, documented."""

import pytest
from rest_framework.test import APIClient

from partners.models import ApiKey, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from partners.services.webhooks.delivery import webhook_endpoint_send_test
from partners.services.webhooks.endpoints import webhook_endpoint_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]


@pytest.fixture
def client(partner_api, granted_partner):
    return partner_api(granted_partner)


# --- API keys -----------------------------------------------------------------------------------


def test_a_created_key_is_shown_once_and_works(client):
    response = client.post(
        "/api/v1/api-keys/", {"name": "Reporting", "scopes": ["orders:read"]}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    raw = body["key"]
    assert raw.startswith(f"wb_{body['id']}_") and body["status"] == "active"
    detail = client.get(f"/api/v1/api-keys/{body['id']}/").json()
    assert "key" not in detail and detail["scopes"] == ["orders:read"]
    listed = client.get("/api/v1/api-keys/").json()["results"]
    assert all("key" not in row for row in listed)
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert fresh.get("/api/v1/me/").json()["scopes"] == ["orders:read"]


def test_a_key_cannot_grant_more_than_the_partner_was_given_or_the_caller_holds(
    partner_api, partner
):
    from partners.services.accounts import partner_scopes_set

    partner_scopes_set(partner=partner, allowed_scopes=["orders:read", "webhooks:manage"])
    client = partner_api(partner, scopes=["webhooks:manage"])
    for scopes in (["stock:write"], ["orders:read"]):
        response = client.post("/api/v1/api-keys/", {"name": "x", "scopes": scopes}, format="json")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "scopes"
    assert ApiKey.objects.filter(partner=partner).count() == 1


def test_revoking_a_key_stops_it_at_once(client):
    created = client.post("/api/v1/api-keys/", {"name": "tmp", "scopes": []}, format="json").json()
    response = client.post(f"/api/v1/api-keys/{created['id']}/revoke/")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {created['key']}")
    assert fresh.get("/api/v1/me/").status_code == 401


def test_bad_input_is_a_400_naming_the_field(client):
    response = client.post("/api/v1/api-keys/", {"scopes": ["nope"]}, format="json")
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"name", "scopes[0]"} <= fields or {"name", "scopes"} <= fields


def test_creating_with_an_idempotency_key_twice_creates_one_endpoint(client, receiver):
    body = {"url": receiver.url}
    first = client.post(
        "/api/v1/webhook-endpoints/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    again = client.post(
        "/api/v1/webhook-endpoints/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert WebhookEndpoint.objects.count() == 1


# --- scopes and principals ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/api-keys/", "/api/v1/webhook-endpoints/", "/api/v1/webhook-deliveries/"]
)
def test_the_webhooks_manage_scope_is_required(partner_api, path):
    response = partner_api(scopes=["orders:read"]).get(path)
    assert response.status_code == 403
    assert "webhooks:manage" in response.json()["detail"]


def test_staff_sessions_are_refused_partner_endpoints(staff_api):
    assert staff_api().get("/api/v1/webhook-endpoints/").status_code == 403


def test_anonymous_calls_get_401(api_client):
    assert api_client.get("/api/v1/webhook-endpoints/").status_code == 401


# --- webhook endpoints --------------------------------------------------------------------------


def test_endpoint_lifecycle_secret_once_edit_rotate_disable_enable_delete(client, receiver):
    created = client.post(
        "/api/v1/webhook-endpoints/",
        {"url": receiver.url, "event_types": ["order.created"], "description": "shop"},
        format="json",
    )
    assert created.status_code == 201
    ep = created.json()
    assert ep["secret"].startswith("whsec_") and ep["event_types"] == ["order.created"]
    url = f"/api/v1/webhook-endpoints/{ep['id']}/"
    assert "secret" not in client.get(url).json()

    patched = client.patch(url, {"event_types": [], "is_active": False}, format="json").json()
    assert patched["event_types"] == [] and patched["is_active"] is False
    assert patched["disabled_reason"] == "Disabled by the partner."
    patched = client.patch(url, {"is_active": True}, format="json").json()
    assert patched["is_active"] is True and patched["disabled_reason"] == ""

    rotated = client.post(url + "rotate-secret/", {"overlap_hours": 2}, format="json").json()
    assert rotated["secret"] != ep["secret"] and rotated["previous_secret_expires_at"]
    assert WebhookEndpoint.objects.get().previous_secret == ep["secret"]

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_bad_event_types_are_rejected(client, receiver):
    response = client.post(
        "/api/v1/webhook-endpoints/",
        {"url": receiver.url, "event_types": ["Order Created!"]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].startswith("event_types")


def test_a_test_event_goes_to_that_endpoint_only(
    client, receiver, django_capture_on_commit_callbacks
):
    ep = client.post("/api/v1/webhook-endpoints/", {"url": receiver.url}, format="json").json()
    client.post("/api/v1/webhook-endpoints/", {"url": receiver.url + "/other"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/webhook-endpoints/{ep['id']}/test/")
    assert response.status_code == 202
    assert response.json()["event_type"] == "webhook.test"
    assert [r.path for r in receiver.requests] == ["/hooks"]


# --- deliveries ---------------------------------------------------------------------------------


def test_delivery_log_detail_and_replay(client, receiver, django_capture_on_commit_callbacks):
    receiver.respond((500, {}, b"receiver broke"))
    ep = client.post("/api/v1/webhook-endpoints/", {"url": receiver.url}, format="json").json()
    endpoint = WebhookEndpoint.objects.get(public_id=ep["id"])
    with django_capture_on_commit_callbacks(execute=True):
        webhook_endpoint_send_test(endpoint=endpoint)
    listed = client.get("/api/v1/webhook-deliveries/?status=pending").json()["results"]
    assert len(listed) == 1
    delivery_id = listed[0]["id"]
    detail = client.get(f"/api/v1/webhook-deliveries/{delivery_id}/").json()
    assert detail["payload"]["type"] == "webhook.test"
    (attempt,) = detail["attempts"]
    assert attempt["response_status"] == 500 and attempt["response_body"] == "receiver broke"
    assert attempt["request_headers"]["webhook-id"] == delivery_id
    assert client.get("/api/v1/webhook-deliveries/?status=succeeded").json()["results"] == []

    receiver.respond(200)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/webhook-deliveries/{delivery_id}/replay/")
    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get(msg_id=delivery_id)
    assert delivery.status == "succeeded"
    assert list(WebhookAttempt.objects.values_list("is_manual", flat=True)) == [False, True]
    assert {r.headers["webhook-id"] for r in receiver.requests} == {delivery_id}


def test_replay_to_a_disabled_endpoint_is_a_409(client, receiver, granted_partner):
    endpoint, _ = webhook_endpoint_create(partner=granted_partner, url=receiver.url)
    delivery = webhook_endpoint_send_test(endpoint=endpoint)
    client.patch(
        f"/api/v1/webhook-endpoints/{endpoint.public_id}/", {"is_active": False}, format="json"
    )
    response = client.post(f"/api/v1/webhook-deliveries/{delivery.msg_id}/replay/")
    assert response.status_code == 409
    assert "enable it" in response.json()["detail"]


def test_an_invalid_status_filter_is_a_400(client):
    response = client.get("/api/v1/webhook-deliveries/?status=bogus")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"


def test_the_delivery_log_query_count_is_bounded(
    client, receiver, granted_partner, django_assert_max_num_queries
):
    endpoint, _ = webhook_endpoint_create(partner=granted_partner, url=receiver.url)
    for _ in range(20):
        webhook_endpoint_send_test(endpoint=endpoint)
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/webhook-deliveries/")
    assert len(response.json()["results"]) == 20
