from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def carriers_poll() -> int:
    """Collect carriers' new tracking events (beat, every minute)."""
    from carriers.services import shipments_poll

    return shipments_poll()
