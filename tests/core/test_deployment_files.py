"""Docker is not available here, so the compose file and Dockerfile are checked as data."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_defines_the_production_like_services():
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "eta-worker", "beat"}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("postgres", "redis", "web"):
        assert "healthcheck" in services[name], name


def test_app_services_share_one_image_and_the_database_and_broker():
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:6379")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert "migrate" in " ".join(services["web"]["command"])
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]


def test_the_eta_ticks_have_a_worker_of_their_own():
    services = compose()["services"]
    queue = services["eta-worker"]["environment"]["TRACKING_ETA_QUEUE"]
    command = services["eta-worker"]["command"]
    assert command[command.index("-Q") + 1] == queue
    assert "-Q" not in services["worker"]["command"]  # the default queue: everything else
    assert services["worker"]["environment"]["TRACKING_ETA_QUEUE"] == queue


def test_dockerfile_installs_the_same_pinned_requirements_as_make_run():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11" in dockerfile
    assert "pip install" in dockerfile and "-r requirements.txt" in dockerfile
    assert "collectstatic" in dockerfile
    makefile = (ROOT / "Makefile").read_text()
    assert "requirements-dev.txt" in makefile  # which includes -r requirements.txt
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text()
