"""Celery wrappers for promising's services."""

from __future__ import annotations

from celery import shared_task

from promising.services import reservations_expire


@shared_task(name="promising.tasks.reservations_expire")
def reservations_expire_task() -> int:
    return reservations_expire()
