"""Server time of the fleet week view and the shift list on a busy week, in-process (Django's
test client on the test database; no network). Run explicitly (the file name keeps it out of
the test run):

    .venv/bin/python -m pytest tests/routing/bench_fleet_week.py -q -s

Three depots with 12 vans and drivers each, a shift for every van on every day of the week
(252 shifts, a third with a second break, one driver off two days), stop and parcel forecasts
for every depot. Prints the median and p95 wall time of 20 requests after a warm-up, the CPU
time and the SQL queries per request. Target: 300 ms of server time for a staff page.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forecasting.models import Forecast, ForecastMetric
from routing.fleet import services as fleet
from routing.fleet.services import BreakSpec
from tests.factories import DriverFactory, VehicleFactory, WarehouseFactory

MONDAY = dt.date(2030, 3, 4)
REPEAT = 20


def _busy_week():
    for d in range(3):
        depot = WarehouseFactory(code=f"D{d}", timezone=["Europe/Berlin", "Europe/London",
                                                         "Europe/Warsaw"][d])  # fmt: skip
        for metric in (ForecastMetric.STOPS, ForecastMetric.PARCELS):
            days = [180.0, 190, 185, 200, 220, 90, 0]
            Forecast.objects.create(
                warehouse=depot, metric=metric, start_date=MONDAY, model_name="mean",
                demand_class="smooth", point=days, lo80=days, hi80=days, lo95=days, hi95=days,
                computed_at=timezone.now(),
            )  # fmt: skip
        for n in range(12):
            van = VehicleFactory(code=f"D{d}-V{n:02d}", depot=depot)
            driver = DriverFactory(user__username=f"d{d}-driver{n:02d}")
            for day in range(7):
                breaks = [BreakSpec(dt.time(11), dt.time(12), 1800)]
                if n % 3 == 0:
                    breaks.append(BreakSpec(dt.time(14), dt.time(15), 900))
                fleet.shift_create(
                    driver=driver, vehicle=van, date=MONDAY + dt.timedelta(days=day),
                    start_time=dt.time(7 + n % 3), end_time=dt.time(16 + n % 3), breaks=breaks,
                )  # fmt: skip
            if n == 0:
                fleet.driver_time_off_add(
                    driver=driver, start_date=MONDAY, end_date=MONDAY + dt.timedelta(days=1)
                )


def _time(client, url: str) -> tuple[list[float], list[float], int]:
    client.get(url)
    walls, cpus = [], []
    for _ in range(REPEAT):
        w, c = time.perf_counter(), time.process_time()
        response = client.get(url)
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return walls, cpus, len(queries)


@pytest.mark.django_db
def test_fleet_pages_server_time(client, dispatcher):
    _busy_week()
    client.force_login(dispatcher)
    week = f"{reverse('routing:fleet-week')}?start={MONDAY}"
    shifts = f"{reverse('routing:fleet-shifts')}?date_from={MONDAY}&date_to=2030-03-10"
    print()
    for name, url in (("week view, 3 depots", week), ("shift list, 252 shifts", shifts)):
        walls, cpus, queries = _time(client, url)
        p95 = sorted(walls)[int(0.95 * len(walls)) - 1]
        print(
            f"{name}: median {statistics.median(walls):.0f} ms, p95 {p95:.0f} ms, "
            f"CPU {statistics.median(cpus):.0f} ms, {queries} queries"
        )
