"""The pages that open on "today", at Sunday 23:30 UTC (already Monday in Berlin), into
docs/screenshots/today/: the order board (dispatcher, warehouse), the dashboard, the fleet week,
the shift list and the new plan (dispatcher), the dashboard and the fleet week (admin). Each
opens on Berlin's Monday, the date of the depot's orders, plans and shifts. Run explicitly (the
file name keeps it out of the test run):

    .venv/bin/python -m pytest tests/browser/screenshots_today.py
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from core.roles import Role
from orders.services import order_create
from routing import services as routing_services
from routing.fleet.services import shift_create
from tests.factories import DriverFactory, ProductFactory, VehicleFactory, WarehouseFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "today"


def test_pages_open_on_today_where_the_depot_is(live_server, login, browser, monkeypatch):
    OUT.mkdir(parents=True, exist_ok=True)
    today = timezone.now().date()
    sunday = today - dt.timedelta(days=(today.weekday() + 1) % 7 or 7)
    late = dt.datetime.combine(sunday, dt.time(23, 30), tzinfo=dt.UTC)
    monday = sunday + dt.timedelta(days=1)
    depot = WarehouseFactory(code="BER", name="Berlin DC", timezone="Europe/Berlin")
    tea = ProductFactory(sku="TEA-1", name="Green tea")
    for n, (start_h, name) in enumerate(((8, "Müller"), (10, "Schulz"), (13, "Wagner")), 1):
        start = dt.datetime.combine(monday, dt.time(start_h), tzinfo=depot.tzinfo)
        order_create(
            warehouse=depot, customer_name=f"Kim {name}", customer_email=f"k{n}@example.com",
            address=f"Torstraße {n}, 10119 Berlin",
            latitude=Decimal("52.529"), longitude=Decimal("13.401"),
            window_start=start, window_end=start + dt.timedelta(hours=2),
            lines=[{"product": tea, "quantity": 1}], now=late,
        )  # fmt: skip
    van = VehicleFactory(code="VAN-1", name="Sprinter", depot=depot)
    shift_create(
        driver=DriverFactory(), vehicle=van, date=monday,
        start_time=dt.time(8), end_time=dt.time(16), breaks=[],
    )  # fmt: skip
    routing_services.plan_create(date=monday, depots=[depot], orders=[], shifts=[])
    monkeypatch.setattr("django.utils.timezone.now", lambda: late)

    pages = {
        Role.DISPATCHER: [
            ("orders", "/orders/"),
            ("dashboard", "/"),
            ("fleet-week", "/routing/fleet/"),
            ("shifts", "/routing/fleet/shifts/"),
            ("plan-new", "/routing/plans/new/"),
        ],
        Role.WAREHOUSE: [("orders", "/orders/"), ("dashboard", "/")],
        Role.ADMIN: [("dashboard", "/"), ("fleet-week", "/routing/fleet/")],
    }
    for role, walk in pages.items():
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
        login(context, role, username=f"{role}-today")
        page = context.new_page()
        for name, url in walk:
            response = page.goto(live_server.url + url)
            assert response.status == 200, (role, url, response.status)
            page.wait_for_timeout(300)
            page.screenshot(path=str(OUT / f"{name}-{role}.png"), full_page=True)
        context.close()
