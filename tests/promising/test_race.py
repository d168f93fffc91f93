"""Two shops reserving the last unit, or the last place in a slot, at the same moment: one
gets it, the other a 409 (real threads on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections

from core.exceptions import Conflict
from promising.models import PromiseReservation
from promising.selectors import delivery_options
from promising.services import delivery_option_reserve
from tests.promising.conftest import DESTINATION, berlin_time

pytestmark = pytest.mark.django_db(transaction=True)


def _race(option_ids: list[str]) -> list:
    barrier = threading.Barrier(len(option_ids))
    outcomes, lock = [], threading.Lock()

    def worker(option_id):
        try:
            barrier.wait()
            result = delivery_option_reserve(option_id=option_id)
        except Exception as exc:  # collected and asserted on below
            result = exc
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(o,)) for o in option_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a reservation hung"
    return outcomes


def test_two_reservations_of_the_last_unit_one_wins_one_is_409(week_of_shifts, receive, mug, today):
    receive(mug, 1)
    options = delivery_options(
        destination=DESTINATION, items=[{"sku": "MUG-1", "quantity": 1}], days=1
    ).options
    # Two different slots: only the stock is contended.
    outcomes = _race([options[0].option_id, options[1].option_id])
    won = [o for o in outcomes if isinstance(o, PromiseReservation)]
    lost = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert lost[0].code == "stock_taken"
    assert PromiseReservation.objects.count() == 1


def test_two_reservations_of_the_last_place_in_a_slot_one_wins_one_is_409(
    week_of_shifts, receive, mug, today, settings
):
    settings.FORECAST_STOPS_PER_DRIVER_HOUR = 0.5  # 4 stops a day: one per 2-hour slot
    receive(mug, 10)
    tomorrow = today + dt.timedelta(days=1)
    first = delivery_options(
        destination=DESTINATION,
        items=[{"sku": "MUG-1", "quantity": 1}],
        wished_date=tomorrow,
        wished_window=(dt.time(10), dt.time(12)),
        days=1,
        now=berlin_time(today, 9),
    ).options
    assert [o.window_start.hour for o in first] == [10]
    # The same slot quoted twice (two shoppers at once).
    twice = delivery_options(
        destination=DESTINATION,
        items=[{"sku": "MUG-1", "quantity": 1}],
        wished_date=tomorrow,
        wished_window=(dt.time(10), dt.time(12)),
        days=1,
        now=berlin_time(today, 9),
    ).options
    outcomes = _race([first[0].option_id, twice[0].option_id])
    won = [o for o in outcomes if isinstance(o, PromiseReservation)]
    lost = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert lost[0].code == "slot_taken"
