"""ISO-2: protected fields in request bodies have no effect on the partner endpoints."""

import pytest

from partners.models import ApiKey, WebhookEndpoint
from tests.partners.mass_assignment import assert_protected_fields_ignored

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]


@pytest.fixture
def client(partner_api, granted_partner):
    return partner_api(granted_partner)


def test_creating_an_endpoint_ignores_partner_status_and_secret(client, receiver):
    response = assert_protected_fields_ignored(
        client, "post", "/api/v1/webhook-endpoints/", {"url": receiver.url},
        read_back=lambda r: WebhookEndpoint.objects.get(public_id=r.json()["id"]),
    )  # fmt: skip
    assert response.status_code == 201


def test_editing_an_endpoint_ignores_partner_status_and_secret(client, receiver):
    ep = client.post("/api/v1/webhook-endpoints/", {"url": receiver.url}, format="json").json()
    before = WebhookEndpoint.objects.get(public_id=ep["id"]).secret
    assert_protected_fields_ignored(
        client, "patch", f"/api/v1/webhook-endpoints/{ep['id']}/", {"description": "x"},
        read_back=lambda r: WebhookEndpoint.objects.get(public_id=ep["id"]),
    )  # fmt: skip
    assert WebhookEndpoint.objects.get(public_id=ep["id"]).secret == before


def test_creating_a_key_ignores_partner_and_status(client):
    assert_protected_fields_ignored(
        client, "post", "/api/v1/api-keys/", {"name": "k", "scopes": ["orders:read"]},
        read_back=lambda r: ApiKey.objects.get(prefix=r.json()["id"]),
    )  # fmt: skip
    assert ApiKey.objects.filter(partner=client.partner).count() == 2


def test_replaying_cannot_retarget_a_delivery(client, receiver, django_capture_on_commit_callbacks):
    from partners.services.webhooks.delivery import webhook_endpoint_send_test
    from partners.services.webhooks.endpoints import webhook_endpoint_create

    endpoint, _ = webhook_endpoint_create(partner=client.partner, url=receiver.url)
    delivery = webhook_endpoint_send_test(endpoint=endpoint)
    response = client.post(
        f"/api/v1/webhook-deliveries/{delivery.msg_id}/replay/",
        {"endpoint": "ep_other", "status": "succeeded", "url": "http://10.0.0.1/"},
        format="json",
    )
    assert response.status_code == 202
    delivery.refresh_from_db()
    assert delivery.endpoint == endpoint and delivery.status == "pending"
