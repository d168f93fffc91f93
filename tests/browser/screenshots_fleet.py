"""A walk through the fleet pages as a dispatcher (and the week view as an admin), booking a
shift from a week-view day cell, into docs/screenshots/fleet/. Run explicitly (the file name
keeps it out of the test run):

    .venv/bin/python -m pytest tests/browser/screenshots_fleet.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from forecasting.models import Forecast, ForecastMetric
from routing.fleet import services as fleet
from routing.fleet.selectors import week_start
from routing.fleet.services import BreakSpec
from routing.models import Shift
from tests.factories import DriverFactory, VehicleFactory, WarehouseFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "fleet"


def _shot(page, name: str, *, full_page: bool = True) -> None:
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)


def _fleet(monday: dt.date):
    depot = WarehouseFactory(code="BER1", name="Berlin DC", timezone="Europe/Berlin")
    for metric, point in ((ForecastMetric.STOPS, 38), (ForecastMetric.PARCELS, 90)):
        days = [point, point + 6, point + 2, point + 9, point + 14, point // 2, 0]
        Forecast.objects.create(
            warehouse=depot, metric=metric, start_date=monday, model_name="auto_ets",
            demand_class="smooth", point=days, lo80=[d * 0.8 for d in days],
            hi80=[d * 1.2 for d in days], lo95=[d * 0.7 for d in days],
            hi95=[d * 1.3 for d in days], computed_at=timezone.now(),
        )  # fmt: skip
    vans = [
        VehicleFactory(code=f"VAN-{n}", name=name, depot=depot, capacity_units=units, skills=skills)
        for n, name, units, skills in (
            (1, "Sprinter long", 120, ["tail_lift"]),
            (2, "Sprinter", 100, []),
            (3, "eVito cool", 60, ["refrigerated"]),
        )
    ]
    names = [
        ("ada", "Ada", "Lang"),
        ("bo", "Bo", "Kim"),
        ("cem", "Cem", "Aydin"),
        ("dee", "Dee", "Roth"),
    ]
    drivers = [
        DriverFactory(user__username=u, user__first_name=f, user__last_name=last)
        for u, f, last in names
    ]
    fleet.driver_update(driver=drivers[2], working_days=[1, 2, 3, 4, 5], skills=["hazmat"])
    for day in range(5):
        for n, (van, driver) in enumerate(zip(vans, drivers[:3], strict=True)):
            if n == 2 and day in (0, 3):
                continue
            start = 7 if n % 2 == 0 else 10
            fleet.shift_create(
                driver=driver, vehicle=van, date=monday + dt.timedelta(days=day),
                start_time=dt.time(start), end_time=dt.time(start + 8),
                breaks=[BreakSpec(dt.time(start + 4), dt.time(start + 5), 1800)],
            )  # fmt: skip
    fleet.driver_time_off_add(
        driver=drivers[1], start_date=monday + dt.timedelta(days=2),
        end_date=monday + dt.timedelta(days=3), reason="parental leave",
    )  # fmt: skip
    return depot, vans, drivers


def test_take_fleet_screenshots(live_server, login, browser, eager_tasks):
    OUT.mkdir(parents=True, exist_ok=True)
    monday = week_start(timezone.localdate()) + dt.timedelta(days=7)
    _depot, vans, drivers = _fleet(monday)
    url = live_server.url
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    login(context, role="dispatcher", username="dana")
    page = context.new_page()

    page.goto(f"{url}/")
    page.get_by_role("link", name="Fleet", exact=True).click()
    page.goto(f"{url}/routing/fleet/?start={monday}&depot=BER1")
    _shot(page, "week-dispatcher")

    saturday = monday + dt.timedelta(days=5)
    cell = page.locator(f'td[data-day="{saturday}"][data-depot="BER1"]')
    cell.get_by_role("link", name="+ Shift").click()
    page.select_option("#id_vehicle", label=str(vans[0]))
    page.select_option("#id_driver", label=str(drivers[0]))
    page.fill("#id_start_time", "08:00")
    page.fill("#id_end_time", "14:00")
    page.fill("#id_break0_earliest", "11:00")
    page.fill("#id_break0_latest", "12:00")
    page.fill("#id_break0_minutes", "20")
    _shot(page, "shift-book-from-week-dispatcher")
    page.get_by_role("button", name="Book shift").click()
    expect(page.locator("body")).to_contain_text("booked")
    _shot(page, "week-after-booking-dispatcher")

    friday = monday + dt.timedelta(days=4)
    page.goto(f"{url}/routing/fleet/shifts/new/?date={friday}&depot=BER1")
    page.select_option("#id_vehicle", label=str(vans[0]))
    page.select_option("#id_driver", label=str(drivers[3]))
    page.fill("#id_start_time", "12:00")
    page.fill("#id_end_time", "18:00")
    page.get_by_role("button", name="Book shift").click()
    expect(page.locator(".field-error, .form-errors").first).to_contain_text("overlaps")
    _shot(page, "shift-overlap-refused-dispatcher")

    page.goto(f"{url}/routing/fleet/shifts/?depot=BER1&date_from={monday}")
    _shot(page, "shifts-dispatcher")
    page.goto(f"{url}/routing/fleet/vehicles/")
    _shot(page, "vehicles-dispatcher")
    page.goto(f"{url}/routing/fleet/vehicles/VAN-3/")
    _shot(page, "vehicle-edit-dispatcher")
    page.goto(f"{url}/routing/fleet/drivers/")
    _shot(page, "drivers-dispatcher")
    page.goto(f"{url}/routing/fleet/drivers/{drivers[1].pk}/")
    _shot(page, "driver-time-off-dispatcher")
    page.goto(f"{url}/")
    _shot(page, "dashboard-capacity-cards-dispatcher", full_page=False)
    assert Shift.objects.filter(date=saturday).count() == 1

    admin = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    login(admin, role="admin", username="root")
    page = admin.new_page()
    page.goto(f"{url}/routing/fleet/?start={monday}&depot=BER1")
    _shot(page, "week-admin")
    warehouse = browser.new_context(viewport={"width": 1280, "height": 800})
    login(warehouse, role="warehouse", username="wim")
    page = warehouse.new_page()
    page.goto(f"{url}/")
    assert page.get_by_role("link", name="Fleet", exact=True).count() == 0
    assert page.goto(f"{url}/routing/fleet/").status == 403
