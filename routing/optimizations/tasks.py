"""Celery wrapper around routing.optimizations.services; safe to run twice (acks_late)."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from routing.optimizations import services

logger = logging.getLogger(__name__)


@shared_task(name="routing.optimization_request_run", acks_late=True)
def optimization_request_run(request_id: int) -> str:
    """Solve one optimisation request. Failures end it with a reason a person can read; none
    is retried, because the same input would fail the same way."""
    try:
        return services.optimization_request_run(request_id=request_id)
    except SoftTimeLimitExceeded:
        reason = "The optimisation ran past the worker's time limit."
    except Exception as exc:
        logger.exception("optimization request %s crashed", request_id)
        reason = f"Internal error while optimising ({type(exc).__name__}); see the worker log."
    services.optimization_request_fail(request_id=request_id, reason=reason)
    return "failed"
