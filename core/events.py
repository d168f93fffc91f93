"""Domain events: `publish()` writes an outbox row in the caller's transaction.

Delivery (webhooks) reads the outbox after commit, so an event exists if and only if the change
that caused it was committed.
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder

from core.models import OutboxEvent, Partner


def publish(type: str, payload: dict, *, partner: Partner | None = None) -> OutboxEvent:
    clean = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    return OutboxEvent.objects.create(type=type, payload=clean, partner=partner)
