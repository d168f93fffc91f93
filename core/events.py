"""Domain events: `publish()` writes an outbox row in the caller's transaction.

Delivery (webhooks) reads the outbox after commit, so an event exists if and only if the change
that caused it was committed. After commit the event is handed to Celery for fan-out to the
partner's webhook endpoints (core.webhooks); if that hand-off is lost, the beat sweep finds the
undispatched row.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from core.models import OutboxEvent, Partner


def publish(type: str, payload: dict, *, partner: Partner | None = None) -> OutboxEvent:
    clean = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    event = OutboxEvent.objects.create(type=type, payload=clean, partner=partner)
    if partner is not None:
        transaction.on_commit(lambda: _enqueue_fan_out(event.pk), robust=True)
    return event


def _enqueue_fan_out(event_id: int) -> None:
    from core.tasks import webhooks_fan_out

    webhooks_fan_out.apply_async((event_id,), queue=settings.WEBHOOKS_QUEUE)
