"""The embedded-services script starts, reuses and stops PostgreSQL and Redis in any directory."""

import sys
from pathlib import Path

import psycopg2
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import services


def test_start_reuse_and_stop_in_a_temp_dir(tmp_path):
    urls = services.start(tmp_path)
    try:
        conn = psycopg2.connect(urls["DATABASE_URL"].replace("postgres://", "postgresql://"))
        with conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")
        conn.close()
        assert redis.Redis.from_url(urls["REDIS_URL"]).ping()
        assert services.start(tmp_path) == urls  # already running: reused, not restarted
    finally:
        assert set(services.stop(tmp_path)) == {"postgresql", "redis"}
    assert services.stop(tmp_path) == []

    # The data survives a restart.
    urls = services.start(tmp_path)
    try:
        conn = psycopg2.connect(urls["DATABASE_URL"].replace("postgres://", "postgresql://"))
        with conn, conn.cursor() as cur:
            cur.execute("SELECT v FROM kept")
            assert cur.fetchone() == (42,)
        conn.close()
    finally:
        services.stop(tmp_path)


def test_a_taken_port_is_replaced_by_a_free_one():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        taken = s.getsockname()[1]
        assert not services.port_is_free(taken)
        assert services.free_port(taken) != taken


def test_environment_starts_only_what_is_missing_and_says_so(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    try:
        env, started = services.environment(tmp_path)
        assert started is True
        assert env["DATABASE_URL"].startswith("postgres://postgres@127.0.0.1:")
        again, started_again = services.environment(tmp_path)
        assert started_again is False  # already running: the caller must not stop it
        assert again["DATABASE_URL"] == env["DATABASE_URL"]
    finally:
        services.stop(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgres://elsewhere/db")
    monkeypatch.setenv("REDIS_URL", "redis://elsewhere:6379/0")
    env, started = services.environment(tmp_path)
    assert (env["DATABASE_URL"], started) == ("postgres://elsewhere/db", False)
    assert not services.running(tmp_path)
