import sys
from pathlib import Path

import psycopg2
import pytest

from core import health

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import services


@pytest.mark.django_db
def test_healthz_answers_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_answers_200_when_everything_is_reachable(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert {name for name, c in response.json()["checks"].items() if c["ok"]} == {
        "database",
        "redis",
        "broker",
    }


@pytest.mark.django_db
def test_readyz_answers_503_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["ok"] is False
    assert "Connection" in checks["redis"]["error"]
    assert checks["database"]["ok"] is True


@pytest.mark.django_db
def test_readyz_answers_503_when_the_database_is_stopped(client, tmp_path, monkeypatch):
    """Point the database check at a real PostgreSQL, stop it, and ask again."""
    url = services.pg_start(tmp_path)
    port = int(url.rsplit(":", 1)[1].split("/")[0])

    def check_that_server():
        psycopg2.connect(host="127.0.0.1", port=port, user="postgres", connect_timeout=2).close()

    monkeypatch.setitem(health.CHECKS, "database", check_that_server)
    try:
        assert client.get("/readyz").status_code == 200
    finally:
        services.pg_stop(tmp_path)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False


def test_favicon_ico_answers_for_pages_that_name_no_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
