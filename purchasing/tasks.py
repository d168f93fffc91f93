"""Celery tasks of purchasing: thin wrappers that call a service; safe to run twice.

The registered names keep the `orders.tasks.` prefix they had before purchasing became its own
app, so messages already queued (retries with a countdown, beat entries) still run.
"""

from celery import shared_task


@shared_task(
    name="orders.tasks.purchasing_supplier_email",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=8,
)
def purchasing_supplier_email(po_id: int, kind: str, revision: int) -> bool:
    """Email a purchase order (sent, amended or cancelled) to its supplier; safe to run twice."""
    from purchasing.services import purchase_order_supplier_email

    return purchase_order_supplier_email(po_id=po_id, kind=kind, revision=revision)


@shared_task(name="orders.tasks.purchasing_reorder_digest", acks_late=True)
def purchasing_reorder_digest() -> int:
    """Daily: email today's reorder suggestions to the purchasing role (beat schedule)."""
    from purchasing.services import reorder_digest_send

    return reorder_digest_send()
