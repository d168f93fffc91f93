"""Importing orders from CSV in the background (core.upload_runs): the upload answers at once,
the run's page (or the API's run resource) shows progress, then the orders created or the
errors by row and column."""

from __future__ import annotations

from core.upload_runs import upload_run_execute, upload_run_get, upload_run_start
from orders.services.imports import MAX_BYTES, orders_import, orders_import_check
from partners.models import Partner

KIND = "orders:import"


def orders_import_run_start(*, content: bytes, user, partner: Partner | None = None) -> str:
    """Queue the import of `content` and return the run's id (see core.upload_runs: a double
    submit lands on the same run; a failed file sent again runs again). With `partner` (an API
    key's call, `user` being its principal) the orders are that partner's."""
    from orders.tasks import orders_import_run_task

    orders_import_check(content=content)
    return upload_run_start(
        kind=KIND,
        content=content,
        user=user,
        task=orders_import_run_task,
        max_bytes=MAX_BYTES,
        options={"partner": partner.pk} if partner is not None else None,
    )


def orders_import_run_get(*, run_id: str, user) -> dict | None:
    return upload_run_get(run_id=run_id, user=user, kind=KIND)


def _work(*, content: bytes, user, options: dict, progress) -> dict:
    partner = None
    if options.get("partner") is not None:
        partner = Partner.objects.get(pk=options["partner"])
    return orders_import(content=content, partner=partner, user=user, progress=progress)


def orders_import_run(*, run_id: str) -> dict | None:
    """Task body: `orders_import` of the run's file, once."""
    return upload_run_execute(run_id=run_id, work=_work)
