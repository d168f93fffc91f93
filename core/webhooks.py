"""Standard Webhooks delivery on top of the outbox (core.events).

Flow: `core.events.publish()` writes an `OutboxEvent` in the caller's transaction and, after
commit, asks Celery to fan it out. `outbox_event_fan_out()` creates one `WebhookDelivery` per
matching active endpoint of the event's partner (events without a partner are internal) and
enqueues a send for each. `webhook_delivery_send()` claims a due delivery, POSTs it, logs a
`WebhookAttempt` and schedules the next try. The beat task `webhooks_sweep()` re-drives anything
whose enqueue was lost (broker down, worker killed): the database's `next_attempt_at` is the
source of truth, never a long Celery countdown.

Retry schedule (published in docs/api.md): after a failed attempt the next one follows after
RETRY_DELAYS[n] (±10 % jitter): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — 8 attempts over
about 27.6 h — then the delivery is `failed`. 410 Gone disables the endpoint at once; 429/503
with `Retry-After` wait that long instead (capped at 24 h); an endpoint failing without a
single success for WEBHOOKS_DISABLE_AFTER_DAYS days is disabled and its partner emailed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
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
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from core.exceptions import Conflict, ValidationFailed
from core.models import OutboxEvent, Partner, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from core.ssrf import UnsafeTarget, check_url, guarded_session

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format prefix, not a secret)
SECRET_BYTES = 32
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
USER_AGENT = "Waybill-Webhooks/1.0"
TEST_EVENT_TYPE = "webhook.test"
IN_FLIGHT = "No response recorded yet (request in flight, or the worker stopped mid-request)."
_EVENT_TYPE_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")


# --- signing ------------------------------------------------------------------------------------


def secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def sign(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` over `{msg_id}.{timestamp}.{body}` with the decoded secret."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signing_secrets(endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    """The current secret, plus the previous one while its rotation overlap lasts."""
    found = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_expires_at
        and endpoint.previous_secret_expires_at > now
    ):
        found.append(endpoint.previous_secret)
    return found


def event_body(event: OutboxEvent) -> bytes:
    """The JSON body `{type, timestamp, data}`; identical bytes on every retry."""
    payload = {"type": event.type, "timestamp": event.created_at.isoformat(), "data": event.payload}
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def request_headers(
    *, endpoint: WebhookEndpoint, msg_id: str, body: bytes, now: datetime
) -> dict[str, str]:
    timestamp = int(now.timestamp())
    signatures = " ".join(
        sign(secret=s, msg_id=msg_id, timestamp=timestamp, body=body)
        for s in signing_secrets(endpoint, now=now)
    )
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
    }


# --- endpoints ----------------------------------------------------------------------------------


def _clean_event_types(event_types) -> list[str]:
    cleaned = sorted({str(t).strip() for t in event_types or [] if str(t).strip()})
    bad = [t for t in cleaned if len(t) > 100 or not _EVENT_TYPE_RE.match(t)]
    if bad:
        raise ValidationFailed(
            f"Invalid event types: {', '.join(bad)} (use dotted lower-case names such as "
            "'order.created').",
            field="event_types",
        )
    return cleaned


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ValidationFailed("A URL is required.", field="url")
    if len(url) > 2000:
        raise ValidationFailed("The URL is longer than 2000 characters.", field="url")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError as exc:
        raise ValidationFailed("Enter a valid http(s) URL.", field="url") from exc
    check_url(url)
    return url


@transaction.atomic
def webhook_endpoint_create(
    *,
    partner: Partner,
    url: str,
    event_types=(),
    description: str = "",
    created_by=None,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its `whsec_` secret, shown to the partner once.

    The URL must be http(s) and resolve only to public addresses (core.ssrf).
    """
    endpoint = WebhookEndpoint.objects.create(
        public_id="ep_" + secrets.token_hex(10),
        partner=partner,
        url=_clean_url(url),
        event_types=_clean_event_types(event_types),
        description=(description or "")[:200],
        secret=secret_generate(),
        created_by=created_by,
    )
    return endpoint, endpoint.secret


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    event_types=None,
    description: str | None = None,
    is_active: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint; re-enabling clears the failure streak and the disabled reason."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if url is not None:
        endpoint.url = _clean_url(url)
    if event_types is not None:
        endpoint.event_types = _clean_event_types(event_types)
    if description is not None:
        endpoint.description = description[:200]
    if is_active is True and not endpoint.is_active:
        endpoint.is_active = True
        endpoint.disabled_reason = ""
        endpoint.disabled_at = None
        endpoint.failing_since = None
        endpoint.consecutive_failures = 0
    elif is_active is False and endpoint.is_active:
        endpoint.is_active = False
        endpoint.disabled_reason = "Disabled by the partner."
        endpoint.disabled_at = timezone.now()
    endpoint.save()
    return endpoint


def webhook_endpoint_disable(
    *, endpoint: WebhookEndpoint, reason: str, notify: bool = False
) -> WebhookEndpoint:
    """Disable an endpoint (pending deliveries then fail); optionally email the partner."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if not endpoint.is_active:
            return endpoint
        endpoint.is_active = False
        endpoint.disabled_reason = reason[:300]
        endpoint.disabled_at = timezone.now()
        endpoint.save(update_fields=["is_active", "disabled_reason", "disabled_at", "updated_at"])
        if notify:
            transaction.on_commit(lambda: _notify_disabled(endpoint), robust=True)
    logger.warning("webhook endpoint %s disabled: %s", endpoint.public_id, reason)
    return endpoint


def _notify_disabled(endpoint: WebhookEndpoint) -> None:
    contact = endpoint.partner.contact_email
    if not contact:
        logger.warning("partner %s has no contact email to notify", endpoint.partner.code)
        return
    send_mail(
        subject=f"Waybill disabled your webhook endpoint {endpoint.url}",
        message=(
            f"Hello {endpoint.partner.name},\n\n"
            f"Waybill stopped sending webhooks to {endpoint.url} ({endpoint.public_id}).\n"
            f"Reason: {endpoint.disabled_reason}\n\n"
            "Fix the receiver, re-enable the endpoint in the partner portal, and replay the "
            "failed deliveries from its delivery log.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[contact],
    )


@transaction.atomic
def webhook_endpoint_rotate_secret(
    *, endpoint: WebhookEndpoint, overlap: timedelta | None = None
) -> tuple[WebhookEndpoint, str]:
    """New secret now; the old one keeps signing too (two signatures) for `overlap`."""
    if overlap is None:
        overlap = timedelta(hours=settings.WEBHOOKS_SECRET_OVERLAP_HOURS)
    if overlap < timedelta(0) or overlap > timedelta(days=7):
        raise ValidationFailed("The overlap must be between 0 and 7 days.", field="overlap_hours")
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + overlap
    endpoint.secret = secret_generate()
    endpoint.save()
    return endpoint, endpoint.secret


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


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


# --- fan-out and sending ------------------------------------------------------------------------


def _delivery_create(*, endpoint, event, now) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        msg_id="msg_" + secrets.token_hex(12), endpoint=endpoint, event=event, next_attempt_at=now
    )


def _enqueue_send_on_commit(delivery_id: int, *, manual: bool = False, countdown: float = 0):
    from core.tasks import webhook_delivery_send_task

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
    from core.tasks import webhook_delivery_send_task

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
