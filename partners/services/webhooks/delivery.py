"""Standard Webhooks delivery on top of the outbox (core.events).

Flow: `core.events.publish()` writes an `OutboxEvent` in the caller's transaction and calls its
subscribers there; `outbox_event_published()` (subscribed in PartnersConfig.ready) asks Celery,
after commit, to fan a partner's event out. `outbox_event_fan_out()` creates one
`WebhookDelivery` per matching active endpoint of the event's partner (events without a partner
are internal) and enqueues a send for each. `webhook_delivery_send()` claims a due delivery,
POSTs it, logs a `WebhookAttempt` and schedules the next try. The beat task `webhooks_sweep()`
re-drives anything whose enqueue was lost (broker down, worker killed): the database's
`dispatched_at` and `next_attempt_at` are the source of truth, never a long Celery countdown.

Retry schedule (published in docs/api.md): after a failed attempt the next one follows after
RETRY_DELAYS[n] (±10 % jitter): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — 8 attempts over
about 27.6 h — then the delivery is `failed`. 410 Gone disables the endpoint at once; 429/503
with `Retry-After` wait that long instead (capped at 24 h); an endpoint failing without a
single success for WEBHOOKS_DISABLE_AFTER_DAYS days is disabled and its partner emailed.
"""

from __future__ import annotations

import logging
import random
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.exceptions import Conflict
from core.models import OutboxEvent
from partners.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from partners.services.webhooks.endpoints import webhook_endpoint_disable
from partners.services.webhooks.signing import event_body, request_headers
from partners.ssrf import UnsafeTarget, check_url, guarded_session

logger = logging.getLogger(__name__)

RETRY_DELAYS = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.10
RETRY_AFTER_CAP = timedelta(hours=24)
# Retries due sooner than this are also enqueued with a countdown (far below the broker's
# visibility timeout); later ones wait for the sweep.
COUNTDOWN_MAX = timedelta(seconds=60)
RESPONSE_BODY_LIMIT = 4096
TEST_EVENT_TYPE = "webhook.test"
IN_FLIGHT = "No response recorded yet (request in flight, or the worker stopped mid-request)."


@transaction.atomic
def webhook_endpoint_send_test(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a `webhook.test` event to this endpoint only (the partner's other ones ignore it)."""
    if not endpoint.is_active:
        raise Conflict("The endpoint is disabled; enable it before sending a test event.")
    now = timezone.now()
    event = OutboxEvent.objects.create(
        type=TEST_EVENT_TYPE,
        payload={"endpoint": endpoint.public_id, "message": "Test event from Waybill."},
        partner=endpoint.partner,
        dispatched_at=now,
    )
    delivery = _delivery_create(endpoint=endpoint, event=event, now=now)
    _enqueue_send_on_commit(delivery.pk)
    return delivery


# --- fan-out and sending ------------------------------------------------------------------------


def outbox_event_published(event: OutboxEvent) -> None:
    """core.events subscriber, run inside the publishing transaction: once it commits, a
    partner's event is fanned out by Celery (internal events, without a partner, stay put)."""
    if event.partner_id is not None:
        transaction.on_commit(lambda: _enqueue_fan_out(event.pk), robust=True)


def _enqueue_fan_out(event_id: int) -> None:
    from partners.tasks import webhooks_fan_out

    webhooks_fan_out.apply_async((event_id,), queue=settings.WEBHOOKS_QUEUE)


def _delivery_create(*, endpoint, event, now) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        msg_id="msg_" + secrets.token_hex(12), endpoint=endpoint, event=event, next_attempt_at=now
    )


def _enqueue_send_on_commit(delivery_id: int, *, manual: bool = False, countdown: float = 0):
    from partners.tasks import webhook_delivery_send_task

    def enqueue():
        webhook_delivery_send_task.apply_async(
            (delivery_id,),
            {"manual": manual},
            queue=settings.WEBHOOKS_QUEUE,
            countdown=countdown or None,
        )

    transaction.on_commit(enqueue, robust=True)


def outbox_event_fan_out(*, event_id: int) -> list[int]:
    """Create a delivery per active endpoint of the event's partner that accepts its type.

    Runs once per event (the event row is locked and marked dispatched in the same
    transaction); sends are enqueued after commit. Returns the new deliveries' ids.
    """
    with transaction.atomic():
        event = (
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, dispatched_at__isnull=True)
            .first()
        )
        if event is None:
            return []
        now = timezone.now()
        endpoints = []
        if event.partner_id is not None:
            endpoints = [
                e
                for e in WebhookEndpoint.objects.filter(partner_id=event.partner_id, is_active=True)
                if e.accepts(event.type)
            ]
        ids = [_delivery_create(endpoint=e, event=event, now=now).pk for e in endpoints]
        event.dispatched_at = now
        event.save(update_fields=["dispatched_at"])
        for pk in ids:
            _enqueue_send_on_commit(pk)
    return ids


def retry_delay(failed_attempts: int, *, rng=random) -> timedelta | None:
    """Wait before the next automatic attempt after `failed_attempts` failures (None: give up)."""
    if failed_attempts < 1 or failed_attempts > len(RETRY_DELAYS):
        return None
    base = RETRY_DELAYS[failed_attempts - 1]
    return base * rng.uniform(1 - JITTER, 1 + JITTER)


def _retry_after(value: str | None, *, now: datetime) -> timedelta | None:
    if not value:
        return None
    value = value.strip()
    try:
        delay = timedelta(seconds=max(0, int(value)))
    except ValueError:
        try:
            delay = parsedate_to_datetime(value) - now
        except (TypeError, ValueError, IndexError):
            return None
    return min(max(delay, timedelta(seconds=1)), RETRY_AFTER_CAP)


@dataclass
class _Result:
    status: int | None = None
    body: str = ""
    error: str = ""
    duration_ms: int = 0
    retry_after: str | None = None
    headers: dict = field(default_factory=dict)


def _post(url: str, body: bytes, headers: dict) -> _Result:
    started = time.monotonic()
    result = _Result()
    try:
        check_url(url)
        with guarded_session() as session:
            response = session.post(
                url,
                data=body,
                headers=headers,
                timeout=settings.WEBHOOKS_TIMEOUT_S,
                allow_redirects=False,
                stream=True,
            )
            try:
                raw = response.raw.read(RESPONSE_BODY_LIMIT, decode_content=True) or b""
            except Exception as exc:  # (a broken body must not lose the status)
                raw = f"<unreadable body: {exc}>".encode()
            finally:
                response.close()
        result.status = response.status_code
        result.body = raw[:RESPONSE_BODY_LIMIT].decode("utf-8", errors="replace")
        result.retry_after = response.headers.get("Retry-After")
        if 300 <= response.status_code < 400:
            result.error = "Redirects are not followed; answer 2xx from the registered URL."
    except UnsafeTarget as exc:
        result.error = f"Refused: {exc.detail}"
    except requests.Timeout:
        result.error = f"Timed out after {settings.WEBHOOKS_TIMEOUT_S:g} s."
    except requests.RequestException as exc:
        # urllib3's message names our internal pool classes; keep the OS-level reason only.
        reason = re.search(r"\[Errno -?\d+\][^'\")]*", str(exc))
        detail = reason.group(0).strip() if reason else type(exc).__name__
        result.error = f"Connection failed: {detail}"[:500]
    result.duration_ms = int((time.monotonic() - started) * 1000)
    return result


def webhook_delivery_send(
    *, delivery_id: int, manual: bool = False, now: datetime | None = None
) -> WebhookAttempt | None:
    """Make one attempt if the delivery is due (or `manual`); safe to call twice concurrently.

    The delivery is claimed by moving `next_attempt_at` past the request timeout under a row
    lock, so a duplicate task (broker redelivery, sweep) finds it not due and does nothing; if
    the worker dies mid-request the claim lapses and the sweep sends it again, same webhook-id.
    """
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return None
        if not manual and delivery.next_attempt_at and delivery.next_attempt_at > now:
            return None
        endpoint = delivery.endpoint
        if not endpoint.is_active:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
            delivery.last_error = "The endpoint is disabled."
            delivery.save(update_fields=["status", "next_attempt_at", "last_error", "updated_at"])
            return None
        body = event_body(delivery.event)
        headers = request_headers(endpoint=endpoint, msg_id=delivery.msg_id, body=body, now=now)
        delivery.attempts_count += 1
        delivery.next_attempt_at = now + timedelta(seconds=settings.WEBHOOKS_CLAIM_S)
        delivery.last_attempt_at = now
        delivery.save(
            update_fields=["attempts_count", "next_attempt_at", "last_attempt_at", "updated_at"]
        )
        attempt = WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts_count,
            url=endpoint.url,
            started_at=now,
            request_headers=headers,
            error=IN_FLIGHT,
            is_manual=manual,
        )

    result = _post(endpoint.url, body, headers)

    with transaction.atomic():
        attempt.duration_ms = result.duration_ms
        attempt.response_status = result.status
        attempt.response_body = result.body
        attempt.error = result.error
        attempt.save()
        _record_outcome(delivery=delivery, attempt=attempt, result=result, manual=manual, now=now)
    return attempt


def _record_outcome(*, delivery, attempt, result: _Result, manual: bool, now: datetime) -> None:
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    if attempt.succeeded:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
        delivery.save()
        endpoint.consecutive_failures = 0
        endpoint.failing_since = None
        endpoint.last_success_at = now
        endpoint.save(
            update_fields=["consecutive_failures", "failing_since", "last_success_at", "updated_at"]
        )
        return

    delivery.last_error = (result.error or f"HTTP {result.status}")[:500]
    endpoint.consecutive_failures += 1
    endpoint.failing_since = endpoint.failing_since or now
    endpoint.save(update_fields=["consecutive_failures", "failing_since", "updated_at"])

    if result.status == 410:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
        delivery.save()
        webhook_endpoint_disable(
            endpoint=endpoint, reason="The receiver answered 410 Gone.", notify=True
        )
        return

    give_up_after = timedelta(days=settings.WEBHOOKS_DISABLE_AFTER_DAYS)
    if now - endpoint.failing_since >= give_up_after:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
        delivery.save()
        webhook_endpoint_disable(
            endpoint=endpoint,
            reason=(
                f"Every delivery failed for {settings.WEBHOOKS_DISABLE_AFTER_DAYS} days "
                f"({endpoint.consecutive_failures} failed attempts in a row)."
            ),
            notify=True,
        )
        return

    delay = None
    if not manual:
        if result.status in (429, 503):
            delay = _retry_after(result.retry_after, now=now)
        if delay is None:
            automatic = delivery.attempts.filter(is_manual=False).count()
            delay = retry_delay(automatic)
    if delay is None:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + delay
        if delay <= COUNTDOWN_MAX:
            _enqueue_send_on_commit(delivery.pk, countdown=delay.total_seconds())
    delivery.save()


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, same `webhook-id`, freshly signed; one manual attempt."""
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint")
        .get(pk=delivery.pk)
    )
    if not delivery.endpoint.is_active:
        raise Conflict(
            "The endpoint is disabled; enable it before replaying its deliveries.",
            extra={"endpoint": delivery.endpoint.public_id},
        )
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at", "updated_at"])
    _enqueue_send_on_commit(delivery.pk, manual=True)
    return delivery


def webhooks_sweep(*, now: datetime | None = None, limit: int = 500) -> dict:
    """Beat task body: fan out events whose after-commit enqueue was lost, resend due deliveries."""
    from partners.tasks import webhook_delivery_send_task

    now = now or timezone.now()
    stale_events = list(
        OutboxEvent.objects.filter(
            dispatched_at__isnull=True, created_at__lte=now - timedelta(seconds=2)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    fanned = sum(1 for pk in stale_events if outbox_event_fan_out(event_id=pk) is not None)
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        webhook_delivery_send_task.apply_async((pk,), queue=settings.WEBHOOKS_QUEUE)
    return {"events": fanned, "deliveries": len(due)}
