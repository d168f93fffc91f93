"""Screenshots of the pages pickups and multi-depot planning changed, as each role that sees
them, into docs/screenshots/pickups/. Run explicitly; the file name keeps it out of the test
run:

    .venv/bin/python -m pytest tests/browser/screenshots_pickups.py
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from core.roles import Role
from orders.models import OrderStatus
from orders.services import return_request
from routing import services
from routing.models import Stop
from tests.browser.test_crawl import _sign_in
from tests.conftest import make_user
from tests.factories import (
    CustomerOrderFactory,
    DriverFactory,
    OrderLineFactory,
    ProductFactory,
    ShiftFactory,
    VehicleFactory,
    WarehouseFactory,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "pickups"
PHONE = {"width": 412, "height": 915}


def _order(depot, product, day, n, *, qty=1, **kwargs):
    tz = depot.tzinfo
    kwargs.setdefault("latitude", depot.latitude + Decimal(n % 4) / 100 - Decimal("0.015"))
    kwargs.setdefault("address", f"Lindenweg {n + 3}, {depot.name.split()[0]}")
    kwargs.setdefault("longitude", depot.longitude + Decimal(n % 3) / 50 - Decimal("0.02"))
    order = CustomerOrderFactory(
        warehouse=depot,
        window_start=dt.datetime.combine(day, dt.time(9), tzinfo=tz),
        window_end=dt.datetime.combine(day, dt.time(17), tzinfo=tz),
        service_time_s=300,
        contact_name=f"Customer {n}",
        **kwargs,
    )
    OrderLineFactory(order=order, product=product, quantity=qty)
    return order


def _day():
    """Two depots, deliveries at each, one approved pickup return in Berlin, one van each,
    planned and published through the services."""
    day = timezone.localdate()
    berlin = WarehouseFactory(
        code="BER1",
        name="Berlin Mitte",
        timezone="Europe/Berlin",
        latitude=Decimal("52.520000"),
        longitude=Decimal("13.405000"),
    )
    hamburg = WarehouseFactory(
        code="HAM1",
        name="Hamburg Hafen",
        timezone="Europe/Berlin",
        latitude=Decimal("53.550000"),
        longitude=Decimal("9.990000"),
    )
    kettle = ProductFactory(sku="KETTLE-1", name="Kettle", weight_kg=Decimal("1.500"))
    delivered = _order(
        berlin,
        kettle,
        day - dt.timedelta(days=3),
        9,
        address="Torstraße 12, 10119 Berlin",
        status=OrderStatus.DELIVERED,
        delivered_at=timezone.now() - dt.timedelta(days=2),
    )
    delivered.lines.update(quantity_reserved=1, quantity_picked=1, quantity_delivered=1)
    ret = return_request(
        order=delivered,
        lines=[{"order_line": delivered.lines.get(), "quantity": 1, "reason": "defective"}],
        channel="customer",
    )
    orders = [_order(berlin, kettle, day, n) for n in range(4)]
    orders += [_order(hamburg, kettle, day, n) for n in range(3)]
    driver = DriverFactory(user=make_user(Role.DRIVER, username="dirk", first_name="Dirk"))
    shifts = [
        ShiftFactory(vehicle=VehicleFactory(code="VAN1", depot=berlin), driver=driver, date=day),
        ShiftFactory(vehicle=VehicleFactory(code="HVAN1", depot=hamburg), date=day),
    ]
    return ret, berlin, hamburg, orders, shifts


def _plan(berlin, hamburg, orders, shifts):
    plan = services.plan_create(
        date=timezone.localdate(),
        depots=[berlin, hamburg],
        orders=orders,
        shifts=shifts,
        time_limit_s=2,
    )
    job = services.plan_optimize(plan=plan, enqueue=False)
    services.job_execute(job_id=job.pk)
    services.plan_publish(plan=plan)
    return plan


def _shot(page, url, name, full_page=True):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / name), full_page=full_page)


def test_pickup_and_multi_depot_screenshots(live_server, browser, eager_tasks):
    make_user(Role.DISPATCHER, username="dispatcher")
    ret, berlin, hamburg, orders, shifts = _day()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    base = live_server.url

    _sign_in(context, live_server, "dispatcher")
    day = timezone.localdate().isoformat()
    _shot(page, f"{base}/routing/plans/new/?date={day}&depot={berlin.pk}&depot={hamburg.pk}",
          "dispatcher-new-plan-two-depots.png")  # fmt: skip
    plan = _plan(berlin, hamburg, orders, shifts)
    stop = Stop.objects.get(ret=ret)
    _shot(page, f"{base}/routing/plans/{plan.reference}/", "dispatcher-plan-by-depot.png")
    _shot(page, f"{base}/routing/routes/{stop.route_id}/sheet/", "dispatcher-route-sheet.png")
    _shot(page, f"{base}/dispatch/stops/{stop.pk}/", "dispatcher-board-stop-card.png")

    phone = browser.new_context(viewport=PHONE)
    _sign_in(phone, live_server, "dirk")
    page = phone.new_page()
    _shot(page, f"{base}/driver/", "driver-route-with-pickup.png")
    page.locator(f"#stop-{stop.pk} summary", has_text="Collected").click()
    page.locator(f"#stop-{stop.pk}").screenshot(path=str(OUT / "driver-pickup-open.png"))

    customer = browser.new_context(viewport=PHONE).new_page()
    _shot(customer, f"{base}/t/{ret.order.tracking_token}/", "customer-pickup-planned.png")
