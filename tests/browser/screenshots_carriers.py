"""Screenshots of the carrier hand-off as each role that sees it, into
docs/screenshots/carriers/. Run explicitly (the file name keeps it out of the test run):

    .venv/bin/python -m pytest tests/browser/screenshots_carriers.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from carriers.models import Carrier
from carriers.services import shipments_poll
from orders.models import CustomerOrder, OrderStatus
from routing.models import Plan
from tests.carriers.conftest import flat_carrier, new_order
from tests.dispatch.scenario import build_day

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "carriers"


def _shot(page, name: str) -> None:
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


@pytest.fixture(autouse=True)
def _pinned_clock():
    from tracking import clock

    clock._local["read_at"] = -1e9
    yield
    clock.clock_reset()


def test_take_carrier_screenshots(live_server, login, browser, settings):
    OUT.mkdir(parents=True, exist_ok=True)
    settings.CARRIERS_SANDBOX_EXCEPTION_PERCENT = 0
    day = build_day(routes=2, stops=5, started=0, now_hour=7.0)
    flat_carrier("regio", "14.00", name="RegioFracht")
    swift = flat_carrier("swift", "2.50", kind=Carrier.Kind.SANDBOX, name="SwiftPost (sandbox)")
    near = new_order(day, ref="ORD-2026-900010", near=(0, 4.5))
    far = new_order(day, ref="ORD-2026-900011", near=(1, 9.0), window=(6, 7))
    # The day's plan as before publishing: its orders packed, not yet planned.
    Plan.objects.filter(pk=day.plan.pk).update(status="ready")
    CustomerOrder.objects.filter(plans=day.plan).update(status=OrderStatus.PACKED)
    url = live_server.url

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    login(context, role="dispatcher", username="dana")
    page = context.new_page()
    page.goto(f"{url}/carriers/")
    _shot(page, "carriers-dispatcher")
    page.goto(f"{url}/carriers/regio/edit/")
    _shot(page, "rate-card-dispatcher")
    page.goto(f"{url}/orders/{far.reference}/")
    _shot(page, "order-packed-dispatcher")
    page.click("text=Compare carriers with the own fleet")
    page.wait_for_selector(".comparison")
    _shot(page, "compare-carrier-wins-dispatcher")
    Carrier.objects.filter(pk=swift.pk).update(prices=[["25.00"]])
    page.goto(f"{url}/carriers/orders/{near.reference}/")
    _shot(page, "compare-own-fleet-wins-dispatcher")
    page.goto(f"{url}/carriers/plans/{day.plan.reference}/")
    _shot(page, "plan-compare-dispatcher")
    page.goto(f"{url}/carriers/orders/{far.reference}/")
    page.click("text=Hand off to RegioFracht")
    page.wait_for_selector(".tracking-number")
    _shot(page, "order-handed-off-dispatcher")
    page.close()
    context.clear_cookies()

    shipment = far.shipments.get()
    login(context, role="warehouse", username="wim")
    page = context.new_page()
    page.goto(f"{url}/orders/{far.reference}/")
    _shot(page, "order-handed-off-warehouse")
    page.close()
    context.close()

    Carrier.objects.filter(pk=swift.pk).update(prices=[["2.50"]])
    from carriers.services import order_hand_off

    sandboxed = order_hand_off(order=near, carrier=swift, user=None)
    shipments_poll(now=sandboxed.created_at + dt.timedelta(minutes=5))
    customer = browser.new_context(viewport={"width": 390, "height": 844})
    page = customer.new_page()
    near.refresh_from_db()
    page.goto(f"{url}/t/{near.tracking_token}/")
    _shot(page, "customer-page-with-carrier")
    customer.close()
    assert shipment.tracking_number
