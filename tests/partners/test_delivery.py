"""WH-2/3/4: retries on a fake clock, 410, Retry-After, auto-disable, outbox, log, replay."""

import itertools
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from core import events
from core.models import OutboxEvent
from partners.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from partners.services.webhooks.delivery import (
    IN_FLIGHT,
    JITTER,
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    outbox_event_fan_out,
    webhook_delivery_replay,
    webhook_delivery_send,
    webhooks_sweep,
)
from partners.services.webhooks.endpoints import webhook_endpoint_create
from tests.factories import PartnerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]


def one_delivery(partner, type_="order.created"):
    event = events.publish(type_, {"id": "ORD-1"}, partner=partner)
    (pk,) = outbox_event_fan_out(event_id=event.pk)
    return WebhookDelivery.objects.get(pk=pk)


def test_failed_attempts_follow_the_published_schedule_on_a_fake_clock(partner, receiver):
    receiver.respond((500, {}, b"boom"))
    webhook_endpoint_create(partner=partner, url=receiver.url)
    delivery = one_delivery(partner)
    clock = timezone.now()
    times = []
    for _ in range(MAX_ATTEMPTS + 3):  # extra calls prove nothing runs after the last attempt
        if webhook_delivery_send(delivery_id=delivery.pk, now=clock) is not None:
            times.append(clock)
        delivery.refresh_from_db()
        if delivery.next_attempt_at is None:
            break
        # Just before the due time nothing is sent; at the due time it is.
        assert (
            webhook_delivery_send(
                delivery_id=delivery.pk, now=delivery.next_attempt_at - timedelta(seconds=0.5)
            )
            is None
        )
        clock = delivery.next_attempt_at
    assert len(times) == MAX_ATTEMPTS == len(receiver.requests)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    for gap, published in zip(gaps, RETRY_DELAYS, strict=True):
        assert published * (1 - JITTER) <= gap <= published * (1 + JITTER)
    assert delivery.status == "failed"
    assert delivery.attempts_count == MAX_ATTEMPTS
    assert {r.headers["webhook-id"] for r in receiver.requests} == {delivery.msg_id}
    assert len({r.headers["webhook-timestamp"] for r in receiver.requests}) == MAX_ATTEMPTS


def test_jitter_spreads_retries(partner, receiver):
    receiver.respond(500)
    webhook_endpoint_create(partner=partner, url=receiver.url)
    waits = set()
    for _ in range(10):
        d = one_delivery(partner)
        now = timezone.now()
        webhook_delivery_send(delivery_id=d.pk, now=now)
        d.refresh_from_db()
        waits.add((d.next_attempt_at - now).total_seconds())
    assert len(waits) > 1
    assert all(4.5 <= w <= 5.5 for w in waits)


def test_no_retry_after_success(partner, receiver):
    receiver.respond(500, 200)
    webhook_endpoint_create(partner=partner, url=receiver.url)
    delivery = one_delivery(partner)
    webhook_delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert webhook_delivery_send(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.next_attempt_at is None
    assert (
        webhook_delivery_send(delivery_id=delivery.pk, now=timezone.now() + timedelta(days=2))
        is None
    )
    assert len(receiver.requests) == 2


def test_410_gone_disables_the_endpoint_and_tells_the_partner(receiver):
    partner = PartnerFactory(contact_email="ops@shop.example")
    receiver.respond(410)
    endpoint, _ = webhook_endpoint_create(partner=partner, url=receiver.url)
    delivery = one_delivery(partner)
    other = one_delivery(partner)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(transaction, "on_commit", lambda fn, robust=False: fn())
        webhook_delivery_send(delivery_id=delivery.pk)
    endpoint.refresh_from_db()
    delivery.refresh_from_db()
    assert not endpoint.is_active and "410" in endpoint.disabled_reason
    assert delivery.status == "failed" and delivery.attempts_count == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ops@shop.example"]
    # Pending deliveries of a disabled endpoint fail without a request; new events skip it.
    webhook_delivery_send(delivery_id=other.pk)
    other.refresh_from_db()
    assert other.status == "failed" and other.attempts_count == 0
    event = events.publish("order.created", {}, partner=partner)
    assert outbox_event_fan_out(event_id=event.pk) == []
    assert len(receiver.requests) == 1


def test_a_redirect_is_a_failure_and_is_not_followed(partner, receiver):
    receiver.respond((302, {"Location": receiver.url + "/elsewhere"}))
    webhook_endpoint_create(partner=partner, url=receiver.url)
    delivery = one_delivery(partner)
    attempt = webhook_delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert attempt.response_status == 302 and "Redirects are not followed" in attempt.error
    assert delivery.status == "pending" and delivery.next_attempt_at > timezone.now()
    assert [r.path for r in receiver.requests] == ["/hooks"]


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(partner, receiver, status):
    receiver.respond((status, {"Retry-After": "900"}))
    webhook_endpoint_create(partner=partner, url=receiver.url)
    delivery = one_delivery(partner)
    now = timezone.now()
    webhook_delivery_send(delivery_id=delivery.pk, now=now)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == now + timedelta(seconds=900)


def test_a_timeout_is_logged_and_retried(partner, receiver, settings):
    settings.WEBHOOKS_TIMEOUT_S = 0.3
    receiver.respond((200, {}, b"", 1.0))
    webhook_endpoint_create(partner=partner, url=receiver.url)
    delivery = one_delivery(partner)
    attempt = webhook_delivery_send(delivery_id=delivery.pk)
    assert attempt.response_status is None and "Timed out" in attempt.error
    delivery.refresh_from_db()
    assert delivery.status == "pending"


def test_an_endpoint_failing_for_days_is_disabled_and_the_partner_emailed(receiver, settings):
    partner = PartnerFactory(contact_email="ops@shop.example")
    receiver.respond(500)
    endpoint, _ = webhook_endpoint_create(partner=partner, url=receiver.url)
    start = timezone.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=start)
    delivery = one_delivery(partner)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(transaction, "on_commit", lambda fn, robust=False: fn())
        webhook_delivery_send(delivery_id=delivery.pk, now=start + timedelta(days=4))
        endpoint.refresh_from_db()
        assert endpoint.is_active
        delivery.refresh_from_db()
        webhook_delivery_send(
            delivery_id=delivery.pk,
            now=start + timedelta(days=settings.WEBHOOKS_DISABLE_AFTER_DAYS),
        )
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "failed for 5 days" in endpoint.disabled_reason
    assert len(mail.outbox) == 1
    assert endpoint.url in mail.outbox[0].subject and "re-enable" in mail.outbox[0].body


def test_the_attempt_log_has_headers_without_secret_status_duration_and_4_kib(partner, receiver):
    receiver.respond((500, {}, b"x" * 10_000))
    _endpoint, secret = webhook_endpoint_create(partner=partner, url=receiver.url)
    delivery = one_delivery(partner)
    attempt = webhook_delivery_send(delivery_id=delivery.pk)
    attempt.refresh_from_db()
    assert attempt.response_status == 500
    assert len(attempt.response_body) == 4096
    assert attempt.duration_ms >= 0 and attempt.error == ""
    assert attempt.request_headers["webhook-id"] == delivery.msg_id
    assert secret not in str(attempt.request_headers)
    assert secret.removeprefix("whsec_") not in str(attempt.request_headers)


def test_replay_sends_the_same_webhook_id_freshly_signed_and_logs_a_manual_attempt(
    partner, receiver
):
    receiver.respond(200)
    webhook_endpoint_create(partner=partner, url=receiver.url)
    delivery = one_delivery(partner)
    webhook_delivery_send(delivery_id=delivery.pk)
    webhook_delivery_replay(delivery=delivery)
    webhook_delivery_send(delivery_id=delivery.pk, manual=True)
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.msg_id
    assert first.body == second.body
    attempts = list(WebhookAttempt.objects.filter(delivery=delivery))
    assert [(a.number, a.is_manual) for a in attempts] == [(1, False), (2, True)]


def test_a_claimed_delivery_is_not_sent_twice(partner, receiver):
    webhook_endpoint_create(partner=partner, url=receiver.url)
    delivery = one_delivery(partner)
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=now + timedelta(seconds=30), attempts_count=1
    )
    assert webhook_delivery_send(delivery_id=delivery.pk, now=now) is None
    assert receiver.requests == []
    # The claim lapses (the worker died): the sweep's next send goes out, same webhook-id.
    assert webhook_delivery_send(delivery_id=delivery.pk, now=now + timedelta(seconds=31))
    assert receiver.requests[0].headers["webhook-id"] == delivery.msg_id


def test_the_in_flight_marker_is_replaced_by_the_outcome(partner, receiver):
    webhook_endpoint_create(partner=partner, url=receiver.url)
    attempt = webhook_delivery_send(delivery_id=one_delivery(partner).pk)
    attempt.refresh_from_db()
    assert attempt.error != IN_FLIGHT and attempt.response_status == 204


def test_fan_out_respects_event_types_partner_and_activity(receiver):
    a, b = PartnerFactory(), PartnerFactory()
    webhook_endpoint_create(partner=a, url=receiver.url)
    webhook_endpoint_create(partner=a, url=receiver.url, event_types=["order.created"])
    webhook_endpoint_create(partner=b, url=receiver.url)
    created = events.publish("order.created", {}, partner=a)
    delivered = events.publish("order.delivered", {}, partner=a)
    internal = events.publish("stock.adjusted", {})
    assert len(outbox_event_fan_out(event_id=created.pk)) == 2
    assert len(outbox_event_fan_out(event_id=delivered.pk)) == 1
    assert outbox_event_fan_out(event_id=internal.pk) == []
    assert outbox_event_fan_out(event_id=created.pk) == []  # runs once per event
    assert set(WebhookDelivery.objects.values_list("endpoint__partner", flat=True)) == {a.pk}
    assert not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists()


def test_the_sweep_fans_out_lost_events_and_resends_due_deliveries(
    partner, receiver, django_capture_on_commit_callbacks
):
    webhook_endpoint_create(partner=partner, url=receiver.url)
    event = events.publish("order.created", {"id": 1}, partner=partner)  # its enqueue is "lost"
    OutboxEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks_sweep() == {"events": 1, "deliveries": 0}  # Celery runs eagerly
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().status == "succeeded"

    # A delivery whose send was lost (worker died, claim lapsed) is picked up when due.
    delivery = one_delivery(partner)
    later = timezone.now() + timedelta(seconds=60)
    assert webhooks_sweep(now=later) == {"events": 0, "deliveries": 1}
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and len(receiver.requests) == 2


def test_a_rolled_back_transaction_sends_nothing_and_a_committed_one_is_delivered(
    partner, receiver, django_capture_on_commit_callbacks
):
    """Commit hooks of a rolled-back block are discarded by Django; Celery runs eagerly, so
    executing the captured hooks is what a commit would do (fan-out, then send)."""
    webhook_endpoint_create(partner=partner, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True) as hooks:
        with pytest.raises(RuntimeError), transaction.atomic():
            events.publish("order.created", {"id": "lost"}, partner=partner)
            raise RuntimeError("roll back")
        with transaction.atomic():
            events.publish("order.created", {"id": "kept"}, partner=partner)
    assert len(receiver.requests) == 1
    assert b'"kept"' in receiver.requests[0].body
    assert len(hooks) == 1 + 1  # the kept event's fan-out, then its delivery's send
    assert not OutboxEvent.objects.filter(payload__id="lost").exists()
    assert WebhookDelivery.objects.get().status == "succeeded"
