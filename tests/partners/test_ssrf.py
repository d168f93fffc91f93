"""WH-4 SSRF: internal targets are refused at registration and at send time; 0 connections."""

import socket

import pytest
from django.utils import timezone

from core import events
from core.exceptions import ValidationFailed
from partners import ssrf
from partners.models import WebhookDelivery, WebhookEndpoint
from partners.services.webhooks import delivery as delivery_service
from partners.services.webhooks import endpoints as endpoint_service
from partners.services.webhooks.delivery import outbox_event_fan_out, webhook_delivery_send
from partners.services.webhooks.endpoints import webhook_endpoint_create

pytestmark = pytest.mark.django_db

INTERNAL = ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "192.168.1.5", "172.16.0.1"]
INTERNAL += [
    "0.0.0.0",  # noqa: S104 (a refused target, not a bind)
    "224.0.0.1",
    "100.64.0.1",
    "::ffff:127.0.0.1",
    "fd00::1",
    "fe80::1",
]


def fake_dns(monkeypatch, mapping: dict[str, list[str]]):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in mapping:
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, port),
                )
                for a in mapping[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_are_refused_at_registration(partner, address):
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(ssrf.UnsafeTarget) as refused:
        webhook_endpoint_create(partner=partner, url=f"http://{host}:8080/hook")
    assert refused.value.errors[0]["field"] == "url"
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "169.254.169.254"])
def test_a_hostname_resolving_to_an_internal_address_is_refused(partner, monkeypatch, address):
    fake_dns(monkeypatch, {"hooks.evil.example": [address]})
    with pytest.raises(ssrf.UnsafeTarget, match=address):
        webhook_endpoint_create(partner=partner, url="https://hooks.evil.example/in")


def test_one_internal_address_among_public_ones_is_enough_to_refuse(partner, monkeypatch):
    fake_dns(monkeypatch, {"mixed.example": ["93.184.216.34", "10.0.0.1"]})
    with pytest.raises(ssrf.UnsafeTarget):
        webhook_endpoint_create(partner=partner, url="https://mixed.example/in")


def test_public_addresses_and_only_http_schemes_are_accepted(partner, monkeypatch):
    fake_dns(monkeypatch, {"hooks.shop.example": ["93.184.216.34", "2606:2800:220:1::1"]})
    endpoint, _ = webhook_endpoint_create(partner=partner, url="https://hooks.shop.example/in")
    assert endpoint.pk
    for url in ["ftp://hooks.shop.example/", "file:///etc/passwd", "gopher://x/", "/relative"]:
        with pytest.raises(ValidationFailed):
            webhook_endpoint_create(partner=partner, url=url)


def test_dns_rebinding_after_registration_is_refused_at_send_time(partner, receiver, monkeypatch):
    """Registered while it resolved publicly; at send time it points at our loopback canary."""
    fake_dns(monkeypatch, {"rebind.example": ["93.184.216.34"]})
    port = receiver.server.server_address[1]
    webhook_endpoint_create(partner=partner, url=f"http://rebind.example:{port}/")
    event = events.publish("order.created", {}, partner=partner)
    (delivery_id,) = outbox_event_fan_out(event_id=event.pk)

    fake_dns(monkeypatch, {"rebind.example": ["127.0.0.1"]})
    attempt = webhook_delivery_send(delivery_id=delivery_id)
    assert attempt.response_status is None
    assert attempt.error.startswith("Refused:") and "127.0.0.1" in attempt.error
    assert receiver.connections == 0
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.status == "pending" and delivery.next_attempt_at > timezone.now()


def test_the_connected_peer_is_checked_even_if_the_pre_check_is_fooled(
    partner, receiver, monkeypatch
):
    """Rebinding between our check and the connect: the socket's real peer is refused."""
    port = receiver.server.server_address[1]
    monkeypatch.setattr(ssrf, "check_url", lambda url, field="url": None)
    monkeypatch.setattr(endpoint_service, "check_url", lambda url, field="url": None)
    monkeypatch.setattr(delivery_service, "check_url", lambda url, field="url": None)
    webhook_endpoint_create(partner=partner, url=f"http://127.0.0.1:{port}/")
    event = events.publish("order.created", {}, partner=partner)
    (delivery_id,) = outbox_event_fan_out(event_id=event.pk)
    attempt = webhook_delivery_send(delivery_id=delivery_id)
    assert "non-public address 127.0.0.1" in attempt.error
    assert receiver.requests == []


def test_the_setting_allows_private_targets_for_tests(partner, receiver, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    webhook_endpoint_create(partner=partner, url=receiver.url)
    event = events.publish("order.created", {}, partner=partner)
    (delivery_id,) = outbox_event_fan_out(event_id=event.pk)
    assert webhook_delivery_send(delivery_id=delivery_id).response_status == 204


def test_the_api_answers_422_naming_the_url_field(partner_api):
    client = partner_api()
    response = client.post(
        "/api/v1/webhook-endpoints/", {"url": "http://169.254.169.254/latest/"}, format="json"
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "url"
