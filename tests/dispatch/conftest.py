import pytest
from django.test import Client

from tests.dispatch.scenario import build_day
from tracking import clock


@pytest.fixture(autouse=True)
def _clock_reset():
    """The scenario pins tracking's clock in the cache; forget the per-process copy around
    each test so no simulated time leaks into the next one."""
    clock._local["read_at"] = -1e9
    yield
    clock.clock_reset()


@pytest.fixture
def day(db):
    """Three routes of six stops, two delivered on each, at 10:00 on today's date."""
    return build_day()


@pytest.fixture
def board_client(dispatcher):
    client = Client()
    client.force_login(dispatcher)
    return client
