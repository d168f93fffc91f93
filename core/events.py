"""Domain events: `publish()` writes an outbox row in the caller's transaction.

An event exists if and only if the change that caused it was committed. Consumers live in the
apps above core and `subscribe()` from their AppConfig.ready(): each subscriber is called with
the new `OutboxEvent` inside the publishing transaction and must only defer work (for example
`transaction.on_commit(...)` to enqueue a task), never do I/O. Webhook delivery to partners is
such a subscriber (partners.services.webhooks.delivery); its beat sweep also reads the outbox,
so an event whose hand-off was lost is still delivered.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from django.core.serializers.json import DjangoJSONEncoder

from core.models import OutboxEvent

Subscriber = Callable[[OutboxEvent], None]
_subscribers: list[tuple[Subscriber, tuple[str, ...]]] = []


def subscribe(subscriber: Subscriber, *, types: Iterable[str] = ()) -> Subscriber:
    """Call `subscriber(event)` for every published event, or only for the event types in
    `types` ("order.*" stands for every type that starts with "order."). Registering the same
    subscriber twice is a no-op."""
    if all(registered is not subscriber for registered, _types in _subscribers):
        _subscribers.append((subscriber, tuple(types)))
    return subscriber


def _wants(types: tuple[str, ...], type: str) -> bool:
    return not types or any(
        type == t or (t.endswith(".*") and type.startswith(t[:-1])) for t in types
    )


def publish(type: str, payload: dict, *, partner=None) -> OutboxEvent:
    """Write the event; `partner` (a partners.Partner) addresses it to that partner's webhooks."""
    clean = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    event = OutboxEvent.objects.create(type=type, payload=clean, partner=partner)
    for subscriber, types in _subscribers:
        if _wants(types, type):
            subscriber(event)
    return event
