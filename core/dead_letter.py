"""Dead letters for Celery tasks: a task that fails for good is recorded as a `FailedTask`.

Celery sends `task_failure` only when a task ends in failure, i.e. after its `autoretry_for` /
`max_retries` budget is spent (each retry in between sends `task_retry` instead), so every row
is a task that will not run again by itself. Staff see them at /tasks/failed/ and may resend one.
"""

from __future__ import annotations

import json
import logging

from celery import current_app
from celery.signals import task_failure
from celery.utils import uuid
from django.db import transaction
from django.utils import timezone

from core.models import FailedTask

logger = logging.getLogger(__name__)


def _jsonable(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


@task_failure.connect
def failed_task_record(sender=None, task_id=None, exception=None, args=None, kwargs=None,
                       einfo=None, **_):  # fmt: skip
    """Write the dead letter (never raises: a broken dead-letter store must not hide the
    task's own failure from the logs)."""
    try:
        request = getattr(sender, "request", None)
        FailedTask.objects.update_or_create(
            task_id=task_id or "",
            defaults={
                "task_name": getattr(sender, "name", str(sender)),
                "args": _jsonable(list(args or [])),
                "kwargs": _jsonable(dict(kwargs or {})),
                "retries": getattr(request, "retries", 0) or 0,
                "exception": f"{type(exception).__name__}: {exception}"[:2000],
                "traceback": str(einfo or "")[:20000],
            },
        )
    except Exception:  # see the docstring
        logger.exception("could not record the failure of task %s", task_id)


@transaction.atomic
def failed_task_resend(*, failed_task: FailedTask) -> FailedTask:
    """Send the task again with the same arguments (a new task id), once per click: the row is
    locked and stamped, and the message goes out after commit."""
    failed_task = FailedTask.objects.select_for_update().get(pk=failed_task.pk)
    result_id = uuid()
    failed_task.resent_at = timezone.now()
    failed_task.resent_task_id = result_id
    failed_task.save(update_fields=["resent_at", "resent_task_id"])
    name, args, kwargs = failed_task.task_name, failed_task.args, failed_task.kwargs
    transaction.on_commit(
        lambda: current_app.send_task(name, args=args, kwargs=kwargs, task_id=result_id)
    )
    return failed_task
