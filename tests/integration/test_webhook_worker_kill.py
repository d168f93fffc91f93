"""WH-3 / CEL-2: SIGKILL the Celery worker in the middle of a webhook delivery.

A real worker (own queue, test database) starts sending; the receiver holds the first request
open; the whole worker process group is SIGKILLed while the request is in flight. A fresh worker
plus the beat sweep (run here as beat would) delivers it again once the send's claim lapses:
same `webhook-id`, fresh timestamp and signature, verified by `standardwebhooks`, and the
delivery log shows the interrupted attempt and the successful one.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection, transaction
from standardwebhooks.webhooks import Webhook

from core import events
from partners.models import WebhookAttempt, WebhookDelivery
from partners.services.webhooks.delivery import IN_FLIGHT
from partners.services.webhooks.endpoints import webhook_endpoint_create
from partners.tasks import webhooks_sweep
from tests.factories import PartnerFactory
from tests.partners.receiver import start_receiver

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CLAIM_S = 4


def start_worker(queue: str, log: Path) -> subprocess.Popen:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "WEBHOOKS_QUEUE": queue,
        "WEBHOOKS_ALLOW_PRIVATE_TARGETS": "1",
        "WEBHOOKS_CLAIM_S": str(CLAIM_S),
    }
    cmd = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-c", "1",
        "--loglevel", "INFO", "--hostname", f"wh-{uuid.uuid4().hex[:8]}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    out = open(log, "w")  # noqa: SIM115 (kept open for the worker's lifetime)
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("Celery worker did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.2)
    return proc


def wait_until(predicate, timeout_s: float, what: str, tick=None):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        if tick:
            tick()
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def _celery_eager():
    """Override the unit-test fixture: this test talks to a real broker and worker."""
    from config.celery import app

    app.conf.task_always_eager = False
    yield


def test_a_worker_killed_mid_delivery_delivers_after_restart_with_the_same_webhook_id(
    transactional_db, settings, tmp_path
):
    queue = f"waybill-webhooks-test-{uuid.uuid4().hex[:8]}"
    settings.WEBHOOKS_QUEUE = queue
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    receiver = start_receiver()
    receiver.respond((204, {}, b"", 30.0), (204, {}, b"", 0.0))  # hold the first request open
    workers = [start_worker(queue, tmp_path / "worker-1.log")]
    try:
        partner = PartnerFactory()
        _endpoint, secret = webhook_endpoint_create(partner=partner, url=receiver.url)
        with transaction.atomic():
            events.publish("order.created", {"reference": "ORD-KILL"}, partner=partner)
        # After commit: fan-out task → send task → the worker's POST reaches the receiver.
        wait_until(lambda: len(receiver.requests) >= 1, 60, "the first delivery attempt")
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=10)

        delivery = WebhookDelivery.objects.get()
        assert delivery.status == "pending"
        assert WebhookAttempt.objects.get().error == IN_FLIGHT  # the log shows it was cut off

        workers.append(start_worker(queue, tmp_path / "worker-2.log"))

        def delivered():
            delivery.refresh_from_db()
            return delivery.status == "succeeded"

        # Beat's sweep, every second here: picks the delivery up once its claim has lapsed.
        wait_until(
            delivered, 60, "delivery after restart",
            tick=lambda: webhooks_sweep.apply_async(queue=queue),
        )  # fmt: skip
    finally:
        for proc in workers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
        receiver.server.shutdown()

    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert ids == {delivery.msg_id}
    assert len(receiver.requests) == 2  # at least once; a receiver deduping on the id acts once
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["webhook-signature"] != second.headers["webhook-signature"] or (
        first.headers["webhook-timestamp"] == second.headers["webhook-timestamp"]
    )
    Webhook(secret).verify(second.body, second.headers)
    attempts = list(WebhookAttempt.objects.order_by("number"))
    assert [a.number for a in attempts] == [1, 2]
    assert attempts[0].error == IN_FLIGHT and attempts[1].response_status == 204
