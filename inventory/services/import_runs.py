"""CSV imports of products and opening stock in the background (core.upload_runs): the upload
answers at once, the run's page shows the result or every error by row and column."""

from __future__ import annotations

from core.upload_runs import upload_run_execute, upload_run_get, upload_run_start
from inventory.services.imports import (
    MAX_BYTES,
    import_file_check,
    opening_stock_import,
    products_import,
)

KIND = "inventory:import"


def inventory_import_run_start(*, kind: str, content: bytes, user) -> str:
    """Queue the import of `content` as `kind` ("products" or "stock") and return the run's id
    (a double submit lands on the same run; a failed file sent again runs again)."""
    from inventory.tasks import inventory_import_run_task

    import_file_check(kind=kind, content=content)
    return upload_run_start(
        kind=KIND,
        content=content,
        user=user,
        task=inventory_import_run_task,
        max_bytes=MAX_BYTES,
        options={"kind": kind},
    )


def inventory_import_run_get(*, run_id: str, user, kind: str | None = None) -> dict | None:
    """The run for its own user (None for another's, an expired one, or one of another `kind`
    when it is given)."""
    run = upload_run_get(run_id=run_id, user=user, kind=KIND)
    if run is not None and kind is not None and run["options"].get("kind") != kind:
        return None
    return run


def _work(*, content: bytes, user, options: dict, progress) -> dict:
    if options.get("kind") == "products":
        return products_import(content=content)
    return opening_stock_import(content=content, user=user)


def inventory_import_run(*, run_id: str) -> dict | None:
    """Task body: the run's import, once."""
    return upload_run_execute(run_id=run_id, work=_work)
