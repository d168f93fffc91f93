"""Celery tasks for inventory: thin wrappers around services; safe to run twice."""

import logging

from celery import shared_task

from inventory.selectors.integrity import stock_drift
from inventory.services import stock_expire_due

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def inventory_expire_lots_task() -> int:
    """Re-grade good, unreserved units of expired lots to `expired` (daily)."""
    return stock_expire_due()


@shared_task
def inventory_check_task() -> int:
    """Log every stock row that drifts from the ledger (nightly); returns how many."""
    drift = stock_drift()
    for item in drift:
        logger.error("Inventory drift: %s", item)
    return len(drift)


@shared_task(name="inventory.tasks.inventory_import_run", acks_late=True, ignore_result=True)
def inventory_import_run_task(run_id: str) -> str:
    """Import a queued CSV run of products or opening stock; safe to run twice."""
    from inventory.services.import_runs import inventory_import_run

    return (inventory_import_run(run_id=run_id) or {}).get("status", "gone")
