"""Reads for the partner portal and API; every queryset is scoped to one partner."""

from __future__ import annotations

import json
from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from core.models import OutboxEvent
from core.output import (
    sql_column,
    sql_json,
    sql_json_object,
    sql_json_time,
    sql_select,
    sql_table,
    sql_zone,
)
from core.prepared import fetch_one_prepared
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


def _object(expr: str) -> str:
    # (jsonb_each refuses anything but an object, and SQL may evaluate both sides of an OR)
    return f"CASE WHEN jsonb_typeof({expr}) = 'object' THEN {expr} ELSE '{{}}'::jsonb END"


def _attempts(zone: str) -> str:
    """`DeliveryAttemptOutput` for each attempt, by number, as a JSON array's items."""
    attempt = lambda name: sql_column(WebhookAttempt, name, "a")  # noqa: E731
    # DictField(child=CharField) prints each value as str(value): the same text as PostgreSQL's
    # for a string or a null; other kinds are left to the serializer (_headers_printable).
    header = "CASE WHEN jsonb_typeof(h.value) = 'null' THEN 'null' ELSE to_json(h.value #>> '{}')::text END"  # noqa: E501
    members = f"COALESCE(string_agg(to_json(h.key)::text || ':' || {header}, ',' ORDER BY h.n), '')"
    each = f"jsonb_each({_object(attempt('request_headers'))}) WITH ORDINALITY AS h(key, value, n)"
    headers = "(" + sql_select(f"'{{' || {members} || '}}'", each, "TRUE") + ")"
    doc = sql_json_object(
        [
            ("number", sql_json(attempt("number"))),
            ("url", sql_json(attempt("url"))),
            ("started_at", sql_json_time(attempt("started_at"), zone, utc_z=True)),
            ("duration_ms", sql_json(attempt("duration_ms"))),
            ("request_headers", headers),
            ("response_status", sql_json(attempt("response_status"))),
            ("response_body", sql_json(attempt("response_body"))),
            ("error", sql_json(attempt("error"))),
            ("is_manual", sql_json(attempt("is_manual"))),
        ]
    )
    what = f"COALESCE(string_agg({doc}, ',' ORDER BY {attempt('number')}, {attempt('id')}), '')"
    where = f"{attempt('delivery')} = {sql_column(WebhookDelivery, 'id', 'd')}"
    return "(" + sql_select(what, sql_table(WebhookAttempt, "a"), where) + ")"


def _headers_printable() -> str:
    """Whether every attempt's headers are an object of strings (or nulls)."""
    attempt = lambda name: sql_column(WebhookAttempt, name, "a")  # noqa: E731
    each = f"jsonb_each({_object(attempt('request_headers'))}) h"
    not_text = "jsonb_typeof(h.value) NOT IN ('string', 'null')"
    odd = (
        f"jsonb_typeof({attempt('request_headers')}) <> 'object' "
        f"OR EXISTS ({sql_select('1', each, not_text)})"
    )
    where = f"{attempt('delivery')} = {sql_column(WebhookDelivery, 'id', 'd')} AND ({odd})"
    return "NOT EXISTS (" + sql_select("1", sql_table(WebhookAttempt, "a"), where) + ")"


def _delivery_sql(zone: str) -> str:
    delivery = lambda name: sql_column(WebhookDelivery, name, "d")  # noqa: E731
    event = lambda name: sql_column(OutboxEvent, name, "e")  # noqa: E731
    head = sql_json_object(
        [
            ("id", sql_json(delivery("msg_id"))),
            ("endpoint", sql_json(sql_column(WebhookEndpoint, "public_id", "ep"))),
            ("event_type", sql_json(event("type"))),
            ("status", sql_json(delivery("status"))),
            ("attempts_count", sql_json(delivery("attempts_count"))),
            ("next_attempt_at", sql_json_time(delivery("next_attempt_at"), zone, utc_z=True)),
            ("last_attempt_at", sql_json_time(delivery("last_attempt_at"), zone, utc_z=True)),
            ("delivered_at", sql_json_time(delivery("delivered_at"), zone, utc_z=True)),
            ("last_error", sql_json(delivery("last_error"))),
            ("created_at", sql_json_time(delivery("created_at"), zone, utc_z=True)),
            # The webhook body (signing.event_body): its timestamp is the event's created_at
            # as isoformat() prints it in UTC.
            ("payload", "'{\"type\":' || " + sql_json(event("type"))),
        ]
    )
    timestamp = sql_json_time(event("created_at"), "'UTC'", utc_z=False)
    tables = (
        f"{sql_table(WebhookDelivery, 'd')} "
        f"JOIN {sql_table(WebhookEndpoint, 'ep')} "
        f"ON {sql_column(WebhookEndpoint, 'id', 'ep')} = {delivery('endpoint')} "
        f"JOIN {sql_table(OutboxEvent, 'e')} "
        f"ON {sql_column(OutboxEvent, 'id', 'e')} = {delivery('event')}"
    )
    what = (
        f"{head}, {timestamp}, {event('payload')}::text, "
        f"'[' || {_attempts(zone)} || ']', {_headers_printable()}"
    )
    where = f"{delivery('msg_id')} = $1 AND {sql_column(WebhookEndpoint, 'partner', 'ep')} = $2"
    return sql_select(what, tables, where)


_DELIVERY_SQL: dict[str, str] = {}


def partner_webhook_delivery_json(*, partner: Partner, msg_id: str) -> bytes | None:
    """The partner's delivery as the API's detail prints it (`DeliveryDetailOutput` through
    DRF's JSONRenderer, byte for byte), in one query (a prepared statement); None when the
    partner has no such delivery, or when an attempt's headers hold something only the
    serializer prints."""
    zone = timezone.get_current_timezone_name()
    sql = _DELIVERY_SQL.get(zone)
    if sql is None:
        sql = _DELIVERY_SQL[zone] = _delivery_sql(sql_zone(zone))
    # Prepared once per database connection: parsing and planning the statement cost more
    # than running it.
    row = fetch_one_prepared(sql, [msg_id, partner.pk])
    if row is None or not row[4]:
        return None
    head, timestamp, payload, attempts = row[:4]
    # PostgreSQL prints jsonb with spaces and its numbers as written: Python prints the data
    # again as the serializer's json.loads(event_body(...)) and JSONRenderer did.
    data = json.dumps(json.loads(payload), ensure_ascii=False, separators=(",", ":"))
    body = f'{head[:-1]},"timestamp":{timestamp},"data":{data}}},"attempts":{attempts}}}'
    if "\u2028" in body or "\u2029" in body:  # (JSONRenderer escapes them for JavaScript)
        body = body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return body.encode()


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
