"""A real Celery worker subprocess, against the test database and the test broker."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app
from tests.integration.celery_tasks import QUEUE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def _celery_eager():
    """Override the unit-test fixture: integration tests send tasks to a real broker."""
    celery_app.conf.task_always_eager = False
    yield


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "CELERY_TASK_ALWAYS_EAGER": "0"}
    log = tmp_path / "worker.log"
    cmd = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--include", "tests.integration.celery_tasks",
        "-Q", QUEUE, "-c", "1", "--loglevel", "INFO",
        "--hostname", f"test-{os.getpid()}@%h", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("Celery worker did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.2)
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
