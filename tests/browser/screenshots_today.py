"""The pages that open on "today", at Sunday 23:30 UTC (already Monday in Berlin), into
docs/screenshots/today/: the order board (dispatcher, warehouse), the dashboard, the fleet week,
the shift list and the new plan (dispatcher), the dashboard and the fleet week (admin). Each
opens on Berlin's Monday, the date of the depot's orders, plans and shifts. Then purchasing's
and the fleet's pages at the same moment: the purchase orders list and an order due on Sunday
(overdue in Berlin), the new purchase order's expected date (purchasing, approver, admin), and
the drivers with a time off that ended on Sunday (no longer upcoming) (dispatcher, admin), and
the times of the order's timeline and of a product's stock moves in Berlin time (warehouse). Run
explicitly (the file name keeps it out of the test run):

    .venv/bin/python -m pytest tests/browser/screenshots_today.py
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from core import timefmt
from core.roles import Role
from inventory.services import stock_receive
from orders.services import order_create
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_order_create
from routing import services as routing_services
from routing.fleet.services import driver_time_off_add, shift_create
from tests.conftest import make_user
from tests.factories import (
    DriverFactory,
    LocationFactory,
    ProductFactory,
    SupplierProductFactory,
    VehicleFactory,
    WarehouseFactory,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "today"


def _sunday_late() -> tuple[dt.date, dt.datetime]:
    """The last Sunday and 23:30 UTC on it (already Monday in Berlin)."""
    today = timezone.now().date()
    sunday = today - dt.timedelta(days=(today.weekday() + 1) % 7 or 7)
    return sunday, dt.datetime.combine(sunday, dt.time(23, 30), tzinfo=dt.UTC)


def _walk(browser, login, live_server, pages, *, user, check=None):
    """Each role's pages ({role: [(name, url)]}) in a browser of its own: answered 200,
    `check(name, page, html)` when given, then a screenshot `<name>-<role>.png`."""
    OUT.mkdir(parents=True, exist_ok=True)
    for role, walk in pages.items():
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
        login(context, role, username=f"{role}-{user}")
        page = context.new_page()
        for name, url in walk:
            response = page.goto(live_server.url + url)
            assert response.status == 200, (role, url, response.status)
            if check is not None:
                check(name, page, page.content())
            page.wait_for_timeout(300)
            page.screenshot(path=str(OUT / f"{name}-{role}.png"), full_page=True)
        context.close()


def test_pages_open_on_today_where_the_depot_is(live_server, login, browser, monkeypatch):
    sunday, late = _sunday_late()
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
    _walk(browser, login, live_server, pages, user="today")


def test_purchasing_and_fleet_pages_count_days_where_the_depot_is(
    live_server, login, browser, monkeypatch
):
    sunday, late = _sunday_late()
    # Everything below happens at that moment: the order's timeline and the stock move read
    # Monday 00:30 (01:30 in summer), Berlin time.
    monkeypatch.setattr("django.utils.timezone.now", lambda: late)
    depot = WarehouseFactory(code="BER", name="Berlin DC", timezone="Europe/Berlin")
    price = SupplierProductFactory(product=ProductFactory(sku="TEA-1", name="Green tea"))
    requester = make_user(Role.PURCHASING, username="petra-today")
    po = purchase_order_create(
        supplier=price.supplier, warehouse=depot, requester=requester,
        justification="Restock before the week", expected_date=sunday + dt.timedelta(days=3),
        lines=[{"product": price.product, "quantity": 40}],
    )  # fmt: skip
    # Sent and due on Sunday: overdue once it is Monday in Berlin (a shortcut past approval).
    PurchaseOrder.objects.filter(pk=po.pk).update(status="sent", expected_date=sunday)
    driver = DriverFactory()
    driver_time_off_add(
        driver=driver, start_date=sunday - dt.timedelta(days=2), end_date=sunday, reason="Ended"
    )
    driver_time_off_add(
        driver=driver,
        start_date=sunday + dt.timedelta(days=3),
        end_date=sunday + dt.timedelta(days=4),
        reason="Coming",
    )
    stock_receive(
        product=price.product, location=LocationFactory(warehouse=depot, code="A-01"), quantity=5
    )

    purchasing = [
        ("purchase-orders", "/orders/purchasing/"),
        ("purchase-order-overdue", f"/orders/purchasing/{po.reference}/"),
        ("purchase-order-new", "/orders/purchasing/new/"),
    ]
    pages = {
        Role.PURCHASING: purchasing,
        Role.APPROVER: purchasing[:2],
        Role.ADMIN: [*purchasing, ("drivers", "/routing/fleet/drivers/")],
        Role.DISPATCHER: [("drivers", "/routing/fleet/drivers/")],
        Role.WAREHOUSE: [("product", "/inventory/products/TEA-1/")],
    }

    def check(name, page, html):
        if name == "purchase-orders":
            assert 'class="overdue"' in html
        if name == "purchase-order-new":
            in_two_weeks = sunday + dt.timedelta(days=15)
            assert page.locator("input[name=expected_date]").input_value() == str(in_two_weeks)
        if name == "drivers":  # the time off is shown by its dates ("Wed 10 Dec")
            ended = f"{sunday - dt.timedelta(days=2):%a} {(sunday - dt.timedelta(days=2)).day}"
            coming = f"{sunday + dt.timedelta(days=3):%a} {(sunday + dt.timedelta(days=3)).day}"
            assert coming in html and ended not in html
        if name in ("purchase-order-overdue", "product"):  # Monday, Berlin time
            assert timefmt.stamp(late, depot).startswith(f"{sunday + dt.timedelta(days=1)}")
            assert timefmt.stamp(late, depot) in html

    _walk(browser, login, live_server, pages, user="buy-today", check=check)
