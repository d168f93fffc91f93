"""Solver tests need no Django and no database: make the repo root and this folder importable
whatever the surrounding pytest configuration is."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for path in (HERE, HERE.parents[2]):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _celery_eager():
    """The root conftest's Celery and cache fixtures need Django; the solver needs neither."""
    yield


@pytest.fixture(autouse=True)
def _isolated_cache():
    yield
