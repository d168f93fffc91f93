"""Importing orders from CSV in the background (the page answers at once and shows progress).

A run is identified by the hash of its user and file, so a double submit (or the same file
sent again within RUN_TTL_S) lands on the same run and imports nothing twice; a run that
failed starts again when the same file is sent after the cause was fixed. The run's state and
the file live in the cache for RUN_TTL_S: they are a receipt for the page, not a record (the
orders and their timelines are the record). The import itself is `orders_import`: all orders
or none, errors by row and column.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core.exceptions import DomainError, ValidationFailed
from orders.services.imports import MAX_BYTES, orders_import

RUN_TTL_S = 24 * 3600
RUN_KEY = "orders:import-run:{}"
CONTENT_KEY = "orders:import-run:{}:content"
CLAIM_KEY = "orders:import-run:{}:claim"


def orders_import_run_start(*, content: bytes, user) -> str:
    """Queue the import of `content` (checked for size only: the run validates the rows) and
    return the run's id. The same user and file give the same run while it is queued, running
    or done; a failed one is queued again."""
    if not content.strip():
        raise ValidationFailed("The file is empty.", field="file", code="empty")
    if len(content) > MAX_BYTES:
        raise ValidationFailed("The file is larger than 5 MB; split it.", field="file")
    run_id = hashlib.sha256(f"{user.pk}:".encode() + content).hexdigest()[:32]
    key = RUN_KEY.format(run_id)
    state = cache.get(key)
    if state is not None and state["status"] == "failed":
        cache.delete_many([key, CLAIM_KEY.format(run_id)])
    fresh = {"status": "queued", "done": 0, "total": 0, "created": 0, "errors": [], "detail": ""}
    fresh.update(user_id=user.pk, queued_at=timezone.now().isoformat())
    if cache.add(key, fresh, RUN_TTL_S):
        cache.set(CONTENT_KEY.format(run_id), content, RUN_TTL_S)
        from orders.tasks import orders_import_run_task

        transaction.on_commit(lambda: orders_import_run_task.delay(run_id), robust=True)
    return run_id


def orders_import_run_get(*, run_id: str, user) -> dict | None:
    """The run's state for its own user (None for another user's or an expired run)."""
    state = cache.get(RUN_KEY.format(run_id))
    if state is None or state.get("user_id") != user.pk:
        return None
    return state


def orders_import_run(*, run_id: str, user=None) -> dict | None:
    """Task body: import the run's file once (a redelivered task finds the run claimed and
    does nothing), recording progress, the result or the errors on the run."""
    key = RUN_KEY.format(run_id)
    state = cache.get(key)
    if state is None or state["status"] != "queued":
        return state
    if not cache.add(CLAIM_KEY.format(run_id), 1, RUN_TTL_S):
        return state
    content = cache.get(CONTENT_KEY.format(run_id))

    def save(**changes):
        state.update(changes)
        cache.set(key, state, RUN_TTL_S)

    if content is None:
        save(status="failed", detail="The file was lost before it was imported; send it again.")
        return state
    save(status="running")
    try:
        result = orders_import(
            content=content, user=user, progress=lambda done, total: save(done=done, total=total)
        )
    except DomainError as error:
        save(status="failed", detail=error.detail, errors=error.errors[:500])
    except Exception:
        save(status="failed", detail="The import stopped on an unexpected error; send it again.")
        raise
    else:
        save(status="done", created=result["created"], done=result["created"])
    finally:
        cache.delete(CONTENT_KEY.format(run_id))
    return state
