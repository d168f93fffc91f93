import pytest

from tracking import clock


@pytest.fixture(autouse=True)
def _real_clock():
    """The simulated clock never leaks out of a test (its anchor is cached per process)."""
    clock._local["read_at"] = -1e9
    yield
    clock.clock_reset()
