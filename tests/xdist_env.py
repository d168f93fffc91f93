"""Loaded with `-p tests.xdist_env` (pyproject.toml), before Django reads its settings.

Under pytest-xdist (`make test` runs two workers) every worker gets its own Redis database,
so Celery queues, cache keys and flushes of one worker never reach another. pytest-django
already gives every worker its own PostgreSQL test database (test_waybill_gw0, …).
"""

import os
import re

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    _index = int(_worker[2:])
    os.environ["REDIS_URL"] = re.sub(r"/\d+$", "", os.environ["REDIS_URL"]) + f"/{1 + _index}"
