"""A production-style Waybill server for contract runs: gunicorn (the repository's
gunicorn.conf.py, 2 workers x 4 threads) with DEBUG=0 on a free port, against the test database.

Celery gets an in-memory broker: requests that enqueue work (optimisations, webhook sends) answer
as they would in production, and nothing lands in the Redis queues other runs' workers read.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import requests
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{quote(db['USER'] or '', safe='')}{password}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{db['NAME']}"
    )


def server_env(**overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        # The test process signs the sessions it hands out with the same key.
        "SECRET_KEY": settings.SECRET_KEY,
        "SECURE_SSL_REDIRECT": "0",
        "CELERY_BROKER_URL": "memory://",
        "CELERY_RESULT_BACKEND": "cache+memory://",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CACHE_KEY_PREFIX": f"contract-{os.getpid()}-{time.monotonic_ns()}",
        "LOG_LEVEL": "ERROR",
    }
    env.update(overrides)
    return env


def collect_static() -> None:
    """With DEBUG=0 pages name their static files by the manifest `collectstatic` writes (as in
    production); a fresh clone has none, and every page would answer 500 without it."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=server_env(),
        check=True,
    )


@contextmanager
def gunicorn(log: Path, **env_overrides: str):
    """Yield the base URL of a gunicorn serving `config.wsgi` (its log into `log`, a file: a
    pipe nobody reads would fill up and block the server); stop it afterwards."""
    collect_static()
    port = free_port()
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
            + ["-b", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=server_env(**env_overrides),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
            try:
                requests.get(f"{base}/healthz", timeout=5)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def staff_login(base: str, *, username: str, password: str) -> dict[str, str]:
    """Sign in through the login page like a browser; the session and CSRF cookies it sets.
    (With DEBUG=0 they are `Secure`, so over plain HTTP they are handed back explicitly.)"""
    page = requests.get(f"{base}/accounts/login/", timeout=10)
    assert page.status_code == 200, page.text[:500]
    token = page.cookies["csrftoken"]
    response = requests.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        cookies={"csrftoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    cookies = {**page.cookies.get_dict(), **response.cookies.get_dict()}
    return {"sessionid": cookies["sessionid"], "csrftoken": cookies["csrftoken"]}
