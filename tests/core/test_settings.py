"""Settings come from the environment; production settings pass `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROD_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "-production-secret-" + "y" * 30,
    "ALLOWED_HOSTS": "waybill.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://waybill.example.com",
}


def run_python(code: str, env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True
    )


def test_values_are_read_from_the_environment():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; "
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['NAME'], s.DATABASES['default']['PORT'], s.REDIS_URL, "
        "s.CELERY_BROKER_URL, s.TIME_ZONE, s.MAP_TILES_URL, s.DEFAULT_FROM_EMAIL, s.EMAIL_HOST)"
    )
    env = {
        "DATABASE_URL": "postgres://u:p@db.example:6543/fleet",
        "REDIS_URL": "redis://cache.example:6380/2",
        "TIME_ZONE": "Europe/Berlin",
        "MAP_TILES_URL": "http://tiles.local/{z}/{x}/{y}.png",
        "DEFAULT_FROM_EMAIL": "ops@fleet.example",
        "EMAIL_URL": "smtp://mail.example:25",
    }
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "fleet",
        "6543",
        "redis://cache.example:6380/2",
        "redis://cache.example:6380/2",  # the broker defaults to REDIS_URL
        "Europe/Berlin",
        "http://tiles.local/{z}/{x}/{y}.png",
        "ops@fleet.example",
        "mail.example",
    ]


def test_production_settings_require_a_secret_key():
    result = run_python(
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; "
        "from django.conf import settings; settings.SECRET_KEY",
        {"DEBUG": "0"},
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_check_deploy_passes_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        # Browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for themselves; a deployment never does.
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            **PROD_ENV,
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
