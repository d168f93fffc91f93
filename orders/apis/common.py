"""Shared pieces of the orders API: access rules (partners by scope, staff by role), input
validation by the status policy (400 for the schema, 422 for rules), local times, the
timeline entry serializer."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers
from rest_framework.parsers import JSONParser

from core.exceptions import ValidationFailed
from core.output import FastOutputMixin
from core.permissions import HasScope
from core.problems import flatten_errors
from core.roles import Role


class OrdersAccess:
    # JSON only: nested lines cannot travel in form encodings (and the schema says so).
    parser_classes = [JSONParser]
    permission_classes = [HasScope]
    required_scopes = {"GET": "orders:read", "POST": "orders:write"}
    allowed_roles = [Role.DISPATCHER]


class StaffOnly:
    parser_classes = [JSONParser]
    permission_classes = [HasScope]
    required_scopes = {"GET": "orders:read"}  # partners may read, never call these POSTs
    allowed_roles = [Role.DISPATCHER, Role.WAREHOUSE]


def validated(serializer_class, data) -> dict:
    """Parse input as the status policy says: a body the schema refuses (type, format,
    required, range, choice, length) answers 400 naming each field; a body whose fields are
    all valid but break a rule across them (a window ending before it starts) answers 422,
    like the services' rules."""
    serializer = serializer_class(data=data)
    if serializer.is_valid():
        return serializer.validated_data
    try:
        serializer.to_internal_value(data)  # the fields alone, without the cross-field rules
    except serializers.ValidationError:
        raise serializers.ValidationError(serializer.errors) from None
    errors = flatten_errors(serializer.errors)
    names = ", ".join(sorted({e["field"] or "body" for e in errors}))
    raise ValidationFailed(f"The request has invalid fields: {names}", errors=errors)


def partner_of(request):
    return getattr(request.user, "partner", None)


def staff_user(request):
    """The acting staff user for the services' audit trail; None for a partner's key."""
    return request.user if partner_of(request) is None else None


def local_datetime(value, tz, *, field: str) -> datetime | None:
    """ISO 8601; without an offset the time is local to `tz` (the warehouse)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = parse_datetime(str(value).strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValidationFailed(
            "Use an ISO 8601 date and time, e.g. 2026-05-04T14:00+02:00.", field=field
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, tz)
    return parsed


class EventOutput(FastOutputMixin, serializers.Serializer):
    type = serializers.CharField()
    at = serializers.DateTimeField()
    message = serializers.CharField()
    data = serializers.JSONField()
