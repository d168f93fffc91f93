"""Browser tests: Playwright driving Debian's chromium against `live_server`, with a real Celery
worker (ETA recomputes, notifications) on the test database.

The tests pin tracking's simulated clock in the cache, so the worker must read the same cache
keys: every test here uses one fixed key prefix (instead of the per-test one from
tests/conftest.py) and the worker gets it through CACHE_KEY_PREFIX.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.db import connection

from config.celery import app as celery_app
from core.roles import Role
from tracking import clock

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
QUEUE = "waybill-board-tests"
CACHE_PREFIX = f"browser-tests-{os.getpid()}"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def _celery_eager():
    """Override the unit-test fixture: tasks go to the real worker below."""
    celery_app.conf.task_always_eager = False
    yield


@pytest.fixture
def eager_tasks(_celery_eager):
    """Tasks run in the test's process (for tests that start no worker: demo data, whose
    notifications then reach the kept mail)."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """One cache prefix shared with the worker (see the module docstring)."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "KEY_PREFIX": CACHE_PREFIX},
    }
    yield
    clock.clock_reset()


@pytest.fixture(autouse=True)
def _board_settings(settings):
    settings.TRACKING_QUEUE = QUEUE
    settings.ROUTING_QUEUE = QUEUE
    settings.TRACKING_ETA_DEBOUNCE_S = 1
    settings.ROUTING_EDIT_CHECK_TIME_LIMIT_S = 0.5
    settings.DISPATCH_POLL_S = 1.5
    settings.MAP_TILES_URL = ""  # offline: the map draws on a plain background


@pytest.fixture(scope="session")
def board_worker(django_db_setup, tmp_path_factory):
    """One real Celery worker for the whole browser session, on the test database."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CACHE_KEY_PREFIX": CACHE_PREFIX,
        "TRACKING_QUEUE": QUEUE,
        "ROUTING_QUEUE": QUEUE,
        "ROUTING_PROGRESS_INTERVAL_S": "0.5",
        "DB_CONN_MAX_AGE": "0",
    }
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    cmd = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", QUEUE, "-c", "1",
        "--loglevel", "INFO", "--hostname", f"board-{os.getpid()}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
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


@pytest.fixture(autouse=True)
def _worker_idle_before_flush(request, transactional_db):
    """Set up after the test database and the browser page torn down first: before the flush
    that ends the test, wait until the real worker has finished what the test started (an
    ETA recompute still holding its locks deadlocked the flush's TRUNCATE)."""
    yield
    if "board_worker" not in request.fixturenames:
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        inspect = celery_app.control.inspect(timeout=1)
        busy = [t for tasks in (inspect.active() or {}).values() for t in tasks]
        busy += [t for tasks in (inspect.reserved() or {}).values() for t in tasks]
        if not busy:
            return
        time.sleep(0.2)


@pytest.fixture
def roles(transactional_db):
    # Transactional tests flush the database, role groups included: put them back.
    for role in Role.values:
        Group.objects.get_or_create(name=role)


@pytest.fixture
def login(live_server, roles):
    """Log a browser context in as a new user with `role` by setting its session cookie."""
    from django.test import Client

    from tests.conftest import make_user

    def _login(context, role=Role.DISPATCHER, username="dana"):
        user = make_user(role, username=username)
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
        return user

    return _login
