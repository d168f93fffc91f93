import uuid

import pytest
from django.db import transaction

from core.models import OutboxEvent
from tests.integration.celery_tasks import QUEUE, create_event

pytestmark = pytest.mark.integration


def test_a_real_worker_runs_a_task_and_its_result_is_visible(celery_worker_process):
    token = uuid.uuid4().hex
    result = create_event.apply_async((token,), queue=QUEUE)
    event_id = result.get(timeout=60)
    event = OutboxEvent.objects.get(pk=event_id)
    assert event.payload == {"token": token}


def test_a_task_sent_in_a_rolled_back_transaction_never_runs(celery_worker_process):
    lost, kept = uuid.uuid4().hex, uuid.uuid4().hex
    with pytest.raises(RuntimeError), transaction.atomic():
        create_event.apply_async_on_commit((lost,), queue=QUEUE)
        raise RuntimeError("roll back")
    with transaction.atomic():
        create_event.apply_async_on_commit((kept,), queue=QUEUE)
    # One worker process, one queue: once `kept` ran, anything sent before it has run too.
    deadline_tokens = {e.payload["token"] for e in _wait_for_event(kept)}
    assert kept in deadline_tokens
    assert not OutboxEvent.objects.filter(payload__token=lost).exists()


def _wait_for_event(token: str, timeout_s: float = 60):
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        events = list(OutboxEvent.objects.filter(type="test.worker"))
        if any(e.payload["token"] == token for e in events):
            return events
        time.sleep(0.2)
    pytest.fail(f"task with token {token} never ran")
