"""WH-1: our signatures, checked by the independent `standardwebhooks` library."""

import json
import time
from datetime import timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core import events
from partners.models import WebhookDelivery, WebhookEndpoint
from partners.services.webhooks.delivery import outbox_event_fan_out, webhook_delivery_send
from partners.services.webhooks.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_rotate_secret,
)
from partners.services.webhooks.signing import secret_generate, sign

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]


def deliver(partner, type_="order.created", data=None):
    event = events.publish(type_, data or {"id": "ORD-1"}, partner=partner)
    ids = outbox_event_fan_out(event_id=event.pk)
    for pk in ids:
        webhook_delivery_send(delivery_id=pk)
    return ids


def test_every_real_delivery_verifies_with_standardwebhooks(partner, receiver):
    endpoint, secret = webhook_endpoint_create(partner=partner, url=receiver.url)
    for n in range(200):
        deliver(partner, data={"n": n, "text": "ünïcode ✓", "nested": {"list": [1, 2.5, None]}})
    assert len(receiver.requests) == 200
    verifier = Webhook(secret)
    seen = set()
    for req in receiver.requests:
        body = verifier.verify(req.body, req.headers)
        assert set(body) == {"type", "timestamp", "data"}
        assert body["type"] == "order.created"
        seen.add(body["data"]["n"])
        assert req.headers["webhook-id"].startswith("msg_")
        assert req.headers["content-type"] == "application/json"
    assert seen == set(range(200))
    assert WebhookDelivery.objects.filter(endpoint=endpoint, status="succeeded").count() == 200


@pytest.fixture
def captured(partner, receiver):
    _endpoint, secret = webhook_endpoint_create(partner=partner, url=receiver.url)
    deliver(partner)
    return secret, receiver.requests[0]


def test_a_tampered_body_is_rejected(captured):
    secret, req = captured
    tampered = req.body.replace(b"ORD-1", b"ORD-2")
    assert tampered != req.body
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, req.headers)
    one_byte = req.body[:-1] + b" "
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(one_byte, req.headers)


def test_a_wrong_secret_is_rejected(captured):
    _secret, req = captured
    with pytest.raises(WebhookVerificationError):
        Webhook(secret_generate()).verify(req.body, req.headers)


@pytest.mark.parametrize("shift_s", [-301, 301])
def test_a_timestamp_301_seconds_off_is_rejected(captured, shift_s):
    """Re-signed correctly for the shifted time, so only the tolerance can reject it."""
    secret, req = captured
    ts = int(time.time()) + shift_s
    headers = {
        **req.headers,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(
            secret=secret, msg_id=req.headers["webhook-id"], timestamp=ts, body=req.body
        ),
    }
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(req.body, headers)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_rejected(captured, missing):
    secret, req = captured
    headers = {k: v for k, v in req.headers.items() if k != missing}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(req.body, headers)


def test_during_rotation_both_secrets_verify_and_after_it_only_the_new_one(partner, receiver):
    endpoint, old = webhook_endpoint_create(partner=partner, url=receiver.url)
    endpoint, new = webhook_endpoint_rotate_secret(endpoint=endpoint, overlap=timedelta(hours=1))
    assert new != old and new.startswith("whsec_")
    deliver(partner)
    req = receiver.requests[-1]
    assert len(req.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(req.body, req.headers)
    Webhook(new).verify(req.body, req.headers)

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_expires_at=endpoint.previous_secret_expires_at - timedelta(hours=2)
    )
    deliver(partner)
    req = receiver.requests[-1]
    assert len(req.headers["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(req.body, req.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(req.body, req.headers)


def test_secrets_are_long_random_and_unique_per_endpoint(partner, receiver):
    import base64

    secrets_ = {webhook_endpoint_create(partner=partner, url=receiver.url)[1] for _ in range(20)}
    assert len(secrets_) == 20
    for s in secrets_:
        assert len(base64.b64decode(s.removeprefix("whsec_"))) >= 24


def test_the_body_is_type_timestamp_and_data(partner, receiver):
    webhook_endpoint_create(partner=partner, url=receiver.url)
    deliver(partner, "order.delivered", {"reference": "ORD-7", "amount": "12.50"})
    body = json.loads(receiver.requests[0].body)
    assert body["type"] == "order.delivered"
    assert body["data"] == {"reference": "ORD-7", "amount": "12.50"}
    assert body["timestamp"].endswith("+00:00")
