"""Concurrent bookings against real PostgreSQL: the row locks let only one of two overlapping
shifts in, even when no unique constraint would notice (different days in different zones)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections

from core.exceptions import Conflict
from routing.fleet.services import shift_create
from routing.models import Driver, Shift, Vehicle
from tests.factories import DriverFactory, VehicleFactory, WarehouseFactory

TRIALS = 8


def _race(*targets):
    barrier = threading.Barrier(len(targets))
    outcomes, lock = [], threading.Lock()

    def worker(target):
        try:
            barrier.wait()
            result = target()
        except Exception as exc:  # collected and asserted on below
            result = exc
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a booking hung (deadlock?)"
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_bookings_across_zones_let_exactly_one_in():
    berlin = VehicleFactory(
        code="BER-V", depot=WarehouseFactory(code="BER", timezone="Europe/Berlin")
    )
    new_york = VehicleFactory(
        code="NYC-V", depot=WarehouseFactory(code="NYC", timezone="America/New_York")
    )
    for trial in range(TRIALS):
        driver_id = DriverFactory().pk
        day = dt.date(2030, 4, 2) + dt.timedelta(days=7 * trial)
        # Berlin 00:30-06:00 on `day` is 22:30-04:00 UTC; New York 17:00-23:00 the day before
        # is 21:00-03:00 UTC: the same driver cannot be in both.

        def book_berlin(driver_id=driver_id, day=day):
            return shift_create(
                driver=Driver.objects.get(pk=driver_id), vehicle=Vehicle.objects.get(code="BER-V"),
                date=day, start_time=dt.time(0, 30), end_time=dt.time(6),
            )  # fmt: skip

        def book_new_york(driver_id=driver_id, day=day):
            return shift_create(
                driver=Driver.objects.get(pk=driver_id), vehicle=Vehicle.objects.get(code="NYC-V"),
                date=day - dt.timedelta(days=1), start_time=dt.time(17), end_time=dt.time(23),
            )  # fmt: skip

        outcomes = _race(book_berlin, book_new_york)
        booked = [o for o in outcomes if isinstance(o, Shift)]
        refused = [o for o in outcomes if isinstance(o, Conflict)]
        assert len(booked) == 1 and len(refused) == 1, outcomes
        assert f"#{booked[0].pk}" in refused[0].detail
        assert Shift.objects.filter(driver_id=driver_id).count() == 1
    assert berlin.pk and new_york.pk
