"""`make run`'s console: quiet process flags, a banner with what a new user needs, and logging
that prints a refused request as one line (not Django's traceback, twice)."""

import io
import logging
import sys
from contextlib import redirect_stderr
from pathlib import Path

import pytest
from django.test import Client
from django.utils.log import configure_logging

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import run

pytestmark = pytest.mark.django_db

HOST, PORT = "127.0.0.1", 8123


def test_web_has_no_access_log_and_celery_logs_warnings_only():
    env = run.quiet_env({})
    commands = run.process_commands(env, HOST, PORT)
    assert "--access-logfile" not in commands["web"]
    assert commands["web"][commands["web"].index("--log-level") + 1] == "warning"
    for name in ("worker", "beat"):
        assert commands[name][commands[name].index("--loglevel") + 1] == "WARNING"
        assert "--quiet" in commands[name]  # no start-up banner
    assert env["LOG_LEVEL"] == "WARNING"


def test_eta_ticks_get_a_worker_of_their_own_unless_turned_off():
    commands = run.process_commands(run.quiet_env({}), HOST, PORT)
    eta = commands["eta-worker"]
    assert eta[eta.index("--queues") + 1] == "eta" and eta[eta.index("--concurrency") + 1] == "1"
    assert "--queues" not in commands["worker"]  # the main worker keeps the default queue
    off = run.process_commands(run.quiet_env({"TRACKING_ETA_QUEUE": ""}), HOST, PORT)
    assert "eta-worker" not in off


def test_access_log_on_request_is_one_short_line_per_request():
    web = run.process_commands({"ACCESS_LOG": "1"}, HOST, PORT)["web"]
    assert web[web.index("--access-logfile") + 1] == "-"
    assert web[web.index("--access-logformat") + 1] == "%(m)s %(U)s%(q)s %(s)s %(M)sms"


def test_the_simulator_leaves_the_demo_drivers_route_alone():
    env = run.quiet_env({})
    cmd = run.simulator_command(env, HOST, PORT)
    assert cmd[cmd.index("--hand-driven") + 1] == "driver"
    assert "--hand-driven" not in run.simulator_command({"SIMULATOR_HAND_DRIVEN": ""}, HOST, PORT)
    assert run.simulator_command({"SIMULATOR": "0"}, HOST, PORT) is None


def test_the_banner_names_url_logins_docs_and_mail_and_says_when_data_is_ready():
    env = run.quiet_env({})
    loading = "\n".join(run.banner(env, HOST, PORT, ready=False))
    ready = "\n".join(run.banner(env, HOST, PORT, ready=True))
    for text in (loading, ready):
        assert f"http://{HOST}:{PORT}/" in text and f"http://{HOST}:{PORT}/api/docs/" in text
        assert f"http://{HOST}:{PORT}/mail/" in text
        assert "dispatcher, warehouse, purchasing, approver, driver, admin" in text
        assert f"http://{HOST}:{PORT}/portal/ as partner" in text
    assert "loading" in loading and "ready" in ready and "log in as driver" in ready
    assert len(ready.splitlines()) <= 9


@pytest.fixture
def console(settings):
    """The project's logging config with a DEBUG=1 server, writing to a buffer."""
    settings.DEBUG = True
    buffer = io.StringIO()
    with redirect_stderr(buffer):
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    yield buffer
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def test_a_403_and_a_404_print_one_line_each_without_traceback(console, warehouse_user):
    client = Client()
    client.force_login(warehouse_user)
    assert client.get("/tracking/kpis/").status_code == 403  # dispatcher-only page
    assert client.get("/no-such-page/").status_code == 404
    out = console.getvalue()
    assert "Traceback" not in out
    assert out.count("Forbidden (Permission denied): /tracking/kpis/") == 1
    assert out.count("Not Found: /no-such-page/") == 1


def test_a_server_error_keeps_its_traceback(console):
    logger = logging.getLogger("django.request")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.error("Internal Server Error: /x/", exc_info=True, extra={"status_code": 500})
    out = console.getvalue()
    assert out.count("Traceback") == 1 and "RuntimeError: boom" in out
