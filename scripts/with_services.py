"""Run a command with DATABASE_URL/REDIS_URL set, starting the embedded services when unset.

    python scripts/with_services.py pytest -q

Embedded services started here are stopped again when the command ends; services that were
already running (e.g. from `make services` or a running `make run`) are left alone.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import services


def main() -> int:
    try:
        env, started = services.environment()
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
