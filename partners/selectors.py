"""Reads for the partner portal and API; every queryset is scoped to one partner."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from partners.models import (
    ApiKey,
    Partner,
    PartnerAccess,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from partners.throttling import usage_by_day


def partner_allowed_scopes(*, partner: Partner) -> list[str]:
    access = PartnerAccess.objects.filter(partner=partner).first()
    return sorted(access.allowed_scopes) if access else []


def partner_api_keys(*, partner: Partner) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(partner=partner).order_by("-id")


def partner_webhook_endpoints(*, partner: Partner) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(partner=partner).order_by("-id")


def partner_webhook_deliveries(*, partner: Partner) -> QuerySet[WebhookDelivery]:
    return (
        WebhookDelivery.objects.filter(endpoint__partner=partner)
        .select_related("endpoint", "event")
        .order_by("-id")
    )


def delivery_attempts(*, delivery: WebhookDelivery) -> QuerySet[WebhookAttempt]:
    return WebhookAttempt.objects.filter(delivery=delivery).order_by("number")


def partner_usage(*, partner: Partner, days: int = 14, today: date | None = None) -> dict:
    """Requests per UTC day per key for the last `days` days (counted by partners.throttling)."""
    today = today or timezone.now().date()
    span = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    keys = list(partner_api_keys(partner=partner))
    counts = usage_by_day([k.pk for k in keys], span)
    rows = [
        {"key": k, "counts": [counts[(k.pk, d)] for d in span]}
        | {"total": sum(counts[(k.pk, d)] for d in span)}
        for k in keys
    ]
    return {"days": span, "rows": rows, "total": sum(r["total"] for r in rows)}
