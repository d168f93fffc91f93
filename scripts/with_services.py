"""Run a command with DATABASE_URL/REDIS_URL set, starting the embedded services when unset.

    python scripts/with_services.py pytest -q

Embedded services started here are stopped again when the command ends; services that were
already running (e.g. from `make services` or a running `make run`) are left alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import services


def embedded_env() -> tuple[dict[str, str], bool]:
    """Environment for child processes and whether we started anything ourselves."""
    env = dict(os.environ)
    if env.get("DATABASE_URL") and env.get("REDIS_URL"):
        return env, False
    var = services.DEFAULT_VAR
    was_running = services.running(var)
    urls = services.start(var)
    for key, value in urls.items():
        env.setdefault(key, value)
    return env, not was_running


def main() -> int:
    try:
        env, started = embedded_env()
    except services.ServiceError as exc:
        print(f"services: {exc}", file=sys.stderr)
        return 1
    try:
        return subprocess.call(sys.argv[1:], env=env)
    except KeyboardInterrupt:
        return 130
    finally:
        if started:
            services.stop(services.DEFAULT_VAR)


if __name__ == "__main__":
    sys.exit(main())
