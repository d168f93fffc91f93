from celery import shared_task

from core.idempotency import idempotency_purge as _idempotency_purge


@shared_task(name="core.tasks.idempotency_purge")
def idempotency_purge() -> int:
    return _idempotency_purge()


@shared_task(name="core.tasks.ping")
def ping(value: str = "pong") -> str:
    """Round-trip check used by /readyz tooling and the worker integration test."""
    return value


# --- webhooks (core.webhooks) ---------------------------------------------------------------
# Thin wrappers: the services claim rows under locks, so running any of these twice is harmless.


@shared_task(name="core.tasks.webhooks_fan_out", acks_late=True)
def webhooks_fan_out(event_id: int) -> int:
    from core.webhooks import outbox_event_fan_out

    return len(outbox_event_fan_out(event_id=event_id))


@shared_task(name="core.tasks.webhook_delivery_send", acks_late=True)
def webhook_delivery_send_task(delivery_id: int, manual: bool = False) -> int | None:
    from core.webhooks import webhook_delivery_send

    attempt = webhook_delivery_send(delivery_id=delivery_id, manual=manual)
    return attempt.response_status if attempt else None


@shared_task(name="core.tasks.webhooks_sweep", acks_late=True)
def webhooks_sweep() -> dict:
    from core.webhooks import webhooks_sweep as sweep

    return sweep()
