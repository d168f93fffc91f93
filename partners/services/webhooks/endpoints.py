"""Webhook endpoints a partner registers: create, change, rotate the secret, disable, delete.

A URL must be http(s) and resolve only to public addresses (partners.ssrf); event types are
dotted lower-case names (an empty list means every event).
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from core.exceptions import ValidationFailed
from partners.models import Partner, WebhookEndpoint
from partners.services.audit import audit_record
from partners.services.webhooks.signing import secret_generate
from partners.ssrf import check_url

logger = logging.getLogger(__name__)

_EVENT_TYPE_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")


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
    actor=None,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its `whsec_` secret, shown to the partner once.

    The URL must be http(s) and resolve only to public addresses (partners.ssrf). The audit
    trail names `actor` (e.g. the partner's API key), else `created_by`.
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
    if (actor or created_by) is not None:
        audit_record(
            actor=actor or created_by,
            action="webhook_endpoint.create",
            obj=endpoint,
            changes={"url": endpoint.url, "event_types": endpoint.event_types},
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
    actor=None,
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
    if actor is not None:
        audit_record(
            actor=actor,
            action="webhook_endpoint.update",
            obj=endpoint,
            changes={
                "url": endpoint.url,
                "event_types": endpoint.event_types,
                "is_active": endpoint.is_active,
            },
        )
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
    *, endpoint: WebhookEndpoint, overlap: timedelta | None = None, actor=None
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
    if actor is not None:
        audit_record(
            actor=actor,
            action="webhook_endpoint.rotate_secret",
            obj=endpoint,
            changes={"overlap_s": int(overlap.total_seconds())},
        )
    return endpoint, endpoint.secret


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor=None) -> None:
    if actor is not None:
        audit_record(actor=actor, action="webhook_endpoint.delete", obj=endpoint)
    endpoint.delete()
