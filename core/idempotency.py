"""`Idempotency-Key` for POST endpoints (Stripe/IETF draft semantics, Brandur's Postgres pattern).

The key is claimed by inserting an `IdempotencyRecord` under a unique (scope, key) constraint in
the same transaction as the endpoint's own writes, and the response is stored in that
transaction too. Consequences:

* a replay (same key, same body) gets the stored status and body, with `Idempotent-Replayed: true`;
* the same key with a different body or endpoint answers 422 and changes nothing;
* a concurrent duplicate blocks on the unique index until the first request commits, then replays;
* if the first request fails (an exception or a non-2xx answer), its claim rolls back with its
  writes, so a retry runs afresh;
* keys are scoped per partner (or staff user), so one client can never read another's response;
* records are purged after IDEMPOTENCY_RETENTION_HOURS (default 24 h) by a beat task.

A request without the header works as usual.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core.exceptions import ValidationFailed
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class _Abort(Exception):
    """Roll the claim back together with the endpoint's writes, then answer `response`."""

    def __init__(self, response):
        self.response = response


def request_scope(request) -> str:
    partner = getattr(request.user, "partner", None)
    if partner is not None:
        return f"partner:{partner.pk}"
    if request.user and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return "anonymous"


def _fingerprint_value(value):
    """A file in a multipart body counts by its bytes (its str() is only its name)."""
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)  # the endpoint reads it next
        return f"file:{value.name}:{digest.hexdigest()}"
    return value


def _fingerprint_body(data):
    if hasattr(data, "lists"):  # a multipart or form body: every value of every field
        return {k: [_fingerprint_value(v) for v in values] for k, values in data.lists()}
    return data


def request_fingerprint(request) -> str:
    body = json.dumps(
        _fingerprint_body(request.data), sort_keys=True, default=str, separators=(",", ":")
    )
    raw = f"{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def idempotent(handler):
    """Decorate an APIView's `post` (or other unsafe method) handler."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise ValidationFailed(
                f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters.", field=HEADER
            )
        scope = request_scope(request)
        fingerprint = request_fingerprint(request)
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            scope=scope,
                            key=key,
                            method=request.method,
                            path=request.path[:500],
                            fingerprint=fingerprint,
                        )
                except IntegrityError:
                    return _replay(scope, key, fingerprint)
                response = handler(view, request, *args, **kwargs)
                if not 200 <= response.status_code < 300:
                    raise _Abort(response)
                record.response_status = response.status_code
                record.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
                record.save(update_fields=["response_status", "response_body"])
                return response
        except _Abort as abort:
            return abort.response

    return wrapper


def _replay(scope: str, key: str, fingerprint: str) -> Response:
    record = IdempotencyRecord.objects.get(scope=scope, key=key)
    if record.fingerprint != fingerprint:
        raise ValidationFailed(
            f"This {HEADER} was already used with a different request; use a new key.",
            field=HEADER,
            code="idempotency_key_reused",
        )
    headers = {"Idempotent-Replayed": "true"}
    body = record.response_body
    if record.response_status == 202 and isinstance(body, dict) and body.get("url"):
        headers["Location"] = body["url"]  # an accepted run: where to follow it, as the first time
    return Response(body, status=record.response_status, headers=headers)


def idempotency_purge(*, now=None) -> int:
    """Delete records older than the published retention; returns how many were deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.IDEMPOTENCY_RETENTION_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
