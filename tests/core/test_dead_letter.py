"""A task that keeps failing ends, after its bounded retries, as one FailedTask row (dead
letter) that admins see at /tasks/failed/ and can send again."""

import pytest
from celery import shared_task
from django.test import Client

from core.models import FailedTask

pytestmark = pytest.mark.django_db

RUNS: list[int] = []


@pytest.fixture(autouse=True)
def _eager_retries_run_through():
    """apply() runs the retries in-process; with propagation on, the first retry would raise."""
    from celery import current_app

    old = current_app.conf.get("task_eager_propagates")
    current_app.conf.task_eager_propagates = False
    yield
    current_app.conf.task_eager_propagates = old


@shared_task(
    name="tests.core.always_fails", autoretry_for=(OSError,), max_retries=2, retry_backoff=False
)
def always_fails(value: int) -> None:
    RUNS.append(value)
    raise OSError(f"downstream is down ({value})")


def test_a_poison_task_retries_a_bounded_number_of_times_then_is_dead_lettered():
    RUNS.clear()
    result = always_fails.apply(args=(7,), task_id="poison-1")
    assert result.failed()
    assert RUNS == [7, 7, 7]  # the first run and max_retries=2 retries, then no more
    dead = FailedTask.objects.get()
    assert dead.task_id == "poison-1" and dead.task_name == "tests.core.always_fails"
    assert dead.args == [7] and dead.retries == 2
    assert "OSError: downstream is down (7)" in dead.exception
    assert "Traceback" in dead.traceback


def test_admins_see_dead_letters_and_send_them_again(
    admin_user, dispatcher, monkeypatch, django_capture_on_commit_callbacks
):
    from celery import current_app

    always_fails.apply(args=(3,), task_id="poison-2")
    dead = FailedTask.objects.get(task_id="poison-2")
    client = Client()
    client.force_login(admin_user)
    page = client.get("/tasks/failed/").content.decode()
    assert "tests.core.always_fails" in page and f"/tasks/failed/{dead.pk}/resend/" in page
    sent = []
    monkeypatch.setattr(current_app, "send_task", lambda name, **kw: sent.append((name, kw)))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/tasks/failed/{dead.pk}/resend/")
    assert response.status_code == 302
    dead.refresh_from_db()
    assert dead.resent_at is not None
    assert sent == [
        (
            "tests.core.always_fails",
            {"args": [3], "kwargs": {}, "task_id": dead.resent_task_id},
        )
    ]
    other = Client()
    other.force_login(dispatcher)
    assert other.get("/tasks/failed/").status_code == 403
    assert other.post(f"/tasks/failed/{dead.pk}/resend/").status_code == 403
