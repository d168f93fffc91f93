"""Standard Webhooks signing: `whsec_` secrets, the signed body and the `webhook-*` headers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder

from core.models import OutboxEvent
from partners.models import WebhookEndpoint

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format prefix, not a secret)
SECRET_BYTES = 32
USER_AGENT = "Waybill-Webhooks/1.0"


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
