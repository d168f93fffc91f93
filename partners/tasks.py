"""Webhook tasks: thin wrappers. The services claim rows under locks, so running any of these
twice is harmless; the beat sweep re-drives whatever a lost message left behind."""

from celery import shared_task

from partners.services.webhooks import delivery


@shared_task(name="partners.tasks.webhooks_fan_out", acks_late=True)
def webhooks_fan_out(event_id: int) -> int:
    return len(delivery.outbox_event_fan_out(event_id=event_id))


@shared_task(name="partners.tasks.webhook_delivery_send", acks_late=True)
def webhook_delivery_send_task(delivery_id: int, manual: bool = False) -> int | None:
    attempt = delivery.webhook_delivery_send(delivery_id=delivery_id, manual=manual)
    return attempt.response_status if attempt else None


@shared_task(name="partners.tasks.webhooks_sweep", acks_late=True)
def webhooks_sweep() -> dict:
    return delivery.webhooks_sweep()
