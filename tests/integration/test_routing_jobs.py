"""Optimisation jobs on a real Celery worker: lifecycle with live progress, and cancellation."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from core.roles import Role
from tests.routing.conftest import (  # noqa: F401  (fixtures shared with the routing tests)
    depot,
    make_order,
    make_plan,
    make_shift,
    plan_date,
    product,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
QUEUE = "waybill-routing-tests"


@pytest.fixture
def routing_worker(transactional_db, tmp_path, settings):
    """A worker listening on the routing test queue (same pattern as celery_worker_process)."""
    settings.ROUTING_QUEUE = QUEUE
    # Transactional tests flush the database, role groups included: put them back.
    for role in Role.values:
        Group.objects.get_or_create(name=role)
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "ROUTING_QUEUE": QUEUE,
        "ROUTING_PROGRESS_INTERVAL_S": "0.5",
    }
    log = tmp_path / "worker.log"
    cmd = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", QUEUE, "-c", "1",
        "--loglevel", "INFO", "--hostname", f"routing-{os.getpid()}@%h",
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("Celery worker did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.2)
    yield log
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _poll(client, job_id, until, timeout_s=60):
    seen = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/jobs/{job_id}/").json()
        seen.append(body)
        if until(body):
            return seen
        time.sleep(0.25)
    pytest.fail(f"job {job_id} stuck: {seen[-1]}")


def test_a_job_runs_on_the_worker_with_live_progress(routing_worker, staff_api, make_plan):  # noqa: F811
    client = staff_api(Role.DISPATCHER)
    plan = make_plan(orders=20, vehicles=3)
    r = client.post(f"/api/v1/plans/{plan.reference}/optimize/", {"time_limit_s": 4}, format="json")
    assert r.status_code == 202 and r.json()["status"] == "queued"
    seen = _poll(client, r.json()["id"], lambda b: b["status"] in ("succeeded", "failed"))
    final = seen[-1]
    assert final["status"] == "succeeded", (final, routing_worker.read_text()[-2000:])
    running = [b for b in seen if b["status"] == "running"]
    assert running, "the job was never seen running"
    assert any(0 < b["progress_pct"] < 100 for b in running)
    assert any(b["best_cost"] is not None for b in running)
    assert final["progress_pct"] == 100 and final["engine"]
    routes = client.get(f"/api/v1/routes/?plan={plan.reference}").json()["results"]
    assert sum(r["stop_count"] for r in routes) == 20
    assert client.get(f"/api/v1/plans/{plan.reference}/").json()["status"] == "ready"


def test_cancelling_a_running_job_on_the_worker(routing_worker, staff_api, make_plan):  # noqa: F811
    client = staff_api(Role.DISPATCHER)
    plan = make_plan(orders=20, vehicles=3)
    job = client.post(
        f"/api/v1/plans/{plan.reference}/optimize/", {"time_limit_s": 60}, format="json"
    ).json()
    _poll(client, job["id"], lambda b: b["status"] == "running")
    asked = time.monotonic()
    r = client.post(f"/api/v1/jobs/{job['id']}/cancel/", format="json")
    assert r.status_code == 200 and r.json()["cancel_requested"] is True
    seen = _poll(client, job["id"], lambda b: b["status"] != "running", timeout_s=20)
    assert seen[-1]["status"] == "cancelled"
    assert time.monotonic() - asked < 10
    assert client.get(f"/api/v1/routes/?plan={plan.reference}").json()["results"] == []
    assert client.get(f"/api/v1/plans/{plan.reference}/").json()["status"] == "draft"
