"""Celery wrappers around dispatch's services; each is safe to run twice (acks_late)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.contrib.auth import get_user_model

from dispatch import services
from inventory.models import Warehouse


@shared_task(name="dispatch.unassigned_insert_all", acks_late=True, ignore_result=True)
def unassigned_insert_all_task(job_id: str, day: str, depot_codes: list[str], user_id: int):
    """Insert the day's unassigned orders into live routes (progress under `job_id`)."""
    user = get_user_model().objects.filter(pk=user_id).first()
    depots = list(Warehouse.objects.filter(code__in=depot_codes))
    try:
        services.unassigned_insert_all(
            job_id=job_id, day=dt.date.fromisoformat(day), depots=depots, user=user
        )
    except Exception as exc:
        state = services.insert_all_progress(job_id) or {}
        state.update(status="failed", error=str(exc)[:300])
        services.insert_all_progress_save(job_id, state)
        raise
