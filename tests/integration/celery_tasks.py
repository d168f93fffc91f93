"""Tasks used only by the integration tests; the test worker loads them with --include."""

from celery import shared_task

from core import events

QUEUE = "waybill-tests"


@shared_task(name="tests.integration.create_event")
def create_event(token: str) -> int:
    return events.publish("test.worker", {"token": token}).pk
