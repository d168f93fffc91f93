"""Uploaded files processed in the background: the upload answers at once with a run id, a
Celery task does the work, and the run's page polls its progress, then shows the result or the
errors (row and column, as the import services raise them).

A run is identified by its kind, its user, its options and the file's bytes, so a double
submit (or the same file again within RUN_TTL_S) lands on the same run and does the work
once; a run that failed starts again when the same file is sent after the cause was fixed.
The run's state and the file live in the cache for RUN_TTL_S: they are a receipt for the
page, not a record (the rows the work wrote, and their ledgers, are the record).

The owner is whoever `user` is: a staff user, or a partner's API principal (whose `pk` is
`"partner:<id>"`); only the owner reads the run, and the work gets the staff user (None for a
partner: put what it needs, such as the partner's id, in `options`).

An app uses it with a task of its own, which calls `upload_run_execute(run_id=..., work=...)`
where `work(content=, user=, options=, progress=)` returns the result dict or raises a
DomainError (for example orders.tasks.orders_import_run_task).
"""

from __future__ import annotations

import hashlib
import json

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from rest_framework import serializers

from core.exceptions import DomainError, ValidationFailed

RUN_TTL_S = 24 * 3600
RUN_KEY = "upload-run:{}"
CONTENT_KEY = "upload-run:{}:content"
CLAIM_KEY = "upload-run:{}:claim"
RUNNING = ("queued", "running")
STATUSES = ("queued", "running", "done", "failed")


def upload_run_start(
    *, kind: str, content: bytes, user, task, max_bytes: int, options: dict | None = None
) -> str:
    """Queue `task(run_id)` after commit for `content` (checked here for emptiness and size
    only: the work validates the rows) and return the run's id. The same kind, user, options
    and file give the same run while it is queued, running or done; a failed one is queued
    again."""
    if not content.strip():
        raise ValidationFailed("The file is empty.", field="file", code="empty")
    if len(content) > max_bytes:
        raise ValidationFailed(
            f"The file is larger than {max_bytes / 1_000_000:.0f} MB; split it.", field="file"
        )
    options = options or {}
    salt = f"{kind}:{user.pk}:{json.dumps(options, sort_keys=True)}:".encode()
    run_id = hashlib.sha256(salt + content).hexdigest()[:32]
    key = RUN_KEY.format(run_id)
    state = cache.get(key)
    if state is not None and state["status"] == "failed":
        cache.delete_many([key, CLAIM_KEY.format(run_id)])
    fresh = {
        "kind": kind,
        "options": options,
        "user_id": user.pk,
        "status": "queued",
        "done": 0,
        "total": 0,
        "result": {},
        "errors": [],
        "detail": "",
        "queued_at": timezone.now().isoformat(),
    }
    if cache.add(key, fresh, RUN_TTL_S):
        cache.set(CONTENT_KEY.format(run_id), content, RUN_TTL_S)
        transaction.on_commit(lambda: task.delay(run_id), robust=True)
    return run_id


def upload_run_get(*, run_id: str, user, kind: str) -> dict | None:
    """The run's state for its own user and kind (None for another's or an expired run)."""
    state = cache.get(RUN_KEY.format(run_id))
    if state is None or state.get("user_id") != user.pk or state.get("kind") != kind:
        return None
    return state


def upload_run_execute(*, run_id: str, work) -> dict | None:
    """Task body: do the run's work once (a redelivered task finds the run claimed and does
    nothing), recording progress, the result or the errors on the run."""
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
    owner = state["user_id"]
    user = get_user_model().objects.filter(pk=owner).first() if isinstance(owner, int) else None
    save(status="running")
    try:
        result = work(
            content=content,
            user=user,
            options=state["options"],
            progress=lambda done, total: save(done=done, total=total),
        )
    except DomainError as error:
        save(status="failed", detail=error.detail, errors=list(error.errors)[:500])
    except Exception:
        save(status="failed", detail="The import stopped on an unexpected error; send it again.")
        raise
    else:
        save(status="done", result=result)
    finally:
        cache.delete(CONTENT_KEY.format(run_id))
    return state


def upload_run_public(state: dict, *, run_id: str, url: str) -> dict:
    """The run as the API shows it to its owner: where it is (`queued`, `running`, `done`,
    `failed`), how far (`done` of `total` rows or documents, when the work counts), the work's
    result when done, the problem and its errors by row and column when failed."""
    return {
        "id": run_id,
        "url": url,
        "status": state["status"],
        "done": state.get("done", 0),
        "total": state.get("total", 0),
        "result": state.get("result") or None,
        "detail": state.get("detail") or "",
        "errors": state.get("errors") or [],
        "queued_at": state.get("queued_at"),
    }


class UploadRunOutput(serializers.Serializer):
    """The run resource's schema (`upload_run_public`)."""

    id = serializers.CharField()
    url = serializers.URLField()
    status = serializers.ChoiceField(choices=STATUSES)
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    result = serializers.DictField(allow_null=True)
    detail = serializers.CharField(allow_blank=True)
    errors = serializers.ListField(child=serializers.DictField())
    queued_at = serializers.DateTimeField(allow_null=True)
