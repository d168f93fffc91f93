"""Screenshots of the delivery promise where it shows, as each role that sees it, into
docs/screenshots/promising/: the order page (dispatcher, warehouse), the board's stop card
(dispatcher) and the customer's tracking page (no login). Run explicitly (the file name keeps
it out of the test run):

    .venv/bin/python -m pytest tests/browser/screenshots_promising.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from orders.models import CustomerOrder
from routing.models import Stop
from tests.dispatch.scenario import build_day

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "promising"


def _shot(page, name: str) -> None:
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


@pytest.fixture(autouse=True)
def _pinned_clock():
    from tracking import clock

    yield
    clock.clock_reset()


def test_take_promise_screenshots(live_server, login, browser):
    OUT.mkdir(parents=True, exist_ok=True)
    day = build_day(routes=2, stops=4, started=0, now_hour=7.0)
    stop = day.stops[0][1]
    order = stop.order
    # The order was placed at checkout with a held delivery option for 10:00-12:00.
    start = day.at(10)
    CustomerOrder.objects.filter(pk=order.pk).update(
        delivery_option="DO-2026-000042",
        promised_date=start.date(),
        promised_window_start=start,
        promised_window_end=start + dt.timedelta(hours=2),
        window_start=start,
        window_end=start + dt.timedelta(hours=2),
    )
    Stop.objects.filter(pk=stop.pk).update(
        window_start=start, window_end=start + dt.timedelta(hours=2)
    )
    url = live_server.url
    for role, name in (("dispatcher", "dana"), ("warehouse", "wanda")):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        login(context, role=role, username=name)
        page = context.new_page()
        page.goto(f"{url}/orders/{order.reference}/")
        page.wait_for_selector(".promised")
        _shot(page, f"order-page-{role}")
        if role == "dispatcher":
            page.goto(f"{url}/dispatch/?date={day.day.isoformat()}&q={order.reference}")
            page.locator(f"#stop-item-{stop.pk}").dblclick()
            page.wait_for_selector("#board-dialog .promised")
            _shot(page, "board-stop-card-dispatcher")
        context.close()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{url}/t/{order.tracking_token}/")
    page.wait_for_selector(".promised")
    _shot(page, "tracking-page-customer")
    context.close()
