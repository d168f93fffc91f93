"""Importing orders from CSV in the background (core.upload_runs): the upload answers at once,
the run's page shows progress, then the orders created or the errors by row and column."""

from __future__ import annotations

from core.upload_runs import upload_run_execute, upload_run_get, upload_run_start
from orders.services.imports import MAX_BYTES, orders_import

KIND = "orders:import"


def orders_import_run_start(*, content: bytes, user) -> str:
    """Queue the import of `content` and return the run's id (see core.upload_runs: a double
    submit lands on the same run; a failed file sent again runs again)."""
    from orders.tasks import orders_import_run_task

    return upload_run_start(
        kind=KIND, content=content, user=user, task=orders_import_run_task, max_bytes=MAX_BYTES
    )


def orders_import_run_get(*, run_id: str, user) -> dict | None:
    return upload_run_get(run_id=run_id, user=user, kind=KIND)


def orders_import_run(*, run_id: str) -> dict | None:
    """Task body: `orders_import` of the run's file, once."""
    return upload_run_execute(
        run_id=run_id,
        work=lambda content, user, options, progress: orders_import(
            content=content, user=user, progress=progress
        ),
    )
