"""One order's times read the same on the dispatch board, the Deliveries table, the staff order
page and the customer's page: the depot's wall clock (Berlin), never the server's UTC."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from orders.models import OrderEvent
from routing.models import Stop
from tests.dispatch.scenario import BERLIN, build_day
from tests.dispatch.scene import make_live

EN_DASH = "\u2013"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]


def _hm(at: dt.datetime) -> str:
    return at.astimezone(BERLIN).strftime("%H:%M")


def _day_hm(at: dt.datetime) -> str:
    local = at.astimezone(BERLIN)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def _rounded(low: dt.datetime, high: dt.datetime) -> tuple[str, str]:
    """The customer's window, rounded outwards to five minutes."""
    low, high = low.astimezone(BERLIN), high.astimezone(BERLIN)
    five = dt.timedelta(minutes=5)
    start = low.replace(minute=low.minute - low.minute % 5, second=0, microsecond=0)
    end = high.replace(minute=high.minute - high.minute % 5, second=0, microsecond=0)
    return f"{start:%H:%M}", f"{(end if end == high else end + five):%H:%M}"


def test_one_order_shows_the_same_times_on_every_page(live_server, login, browser):
    # A winter day: Berlin is UTC+1, so a page in UTC would be one hour early.
    day = build_day(routes=2, stops=4, day=dt.date(2026, 1, 13))
    make_live(day)
    stop = Stop.objects.select_related("order").get(pk=day.stops[0][3].pk)
    order = stop.order
    assert stop.eta is not None
    event_at = day.at(7, 47)
    OrderEvent.objects.create(order=order, type=OrderEvent.Type.OUT_FOR_DELIVERY, at=event_at)
    eta, window = _hm(stop.eta), f"{_hm(order.window_start)}{EN_DASH}{_hm(order.window_end)}"
    event = _day_hm(event_at)
    assert eta != stop.eta.strftime("%H:%M")  # the test would notice UTC

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    login(context)
    page = context.new_page()
    day_q = day.day.isoformat()

    page.goto(f"{live_server.url}/dispatch/?day={day_q}")
    expect(page.locator(".board-intro")).to_contain_text("times in Europe/Berlin")
    page.locator(f"#stops-{day.routes[0].pk} summary").click()
    item = page.locator(f"#stop-item-{stop.pk}")
    expect(item.locator(".when")).to_have_text(eta)
    expect(item.locator(".win")).to_have_text(window)
    item.dblclick()
    dialog = page.locator("#board-dialog")
    expect(dialog.locator("dl.facts")).to_contain_text(window)
    expect(dialog.locator("dl.facts")).to_contain_text(eta)
    expect(dialog.locator("#stop-timeline time").first).to_have_text(event)
    page.keyboard.press("Escape")

    page.goto(f"{live_server.url}/tracking/?date={day_q}")
    expect(page.locator(".page-intro")).to_contain_text("times in Europe/Berlin")
    row = page.locator(f"#delivery-{stop.pk}")
    expect(row.locator(".eta")).to_have_text(eta)
    expect(row.locator(".window")).to_have_text(window)

    page.goto(f"{live_server.url}/orders/{order.reference}/")
    expect(page.locator(".window")).to_contain_text(_hm(order.window_start))
    expect(page.locator(".window")).to_contain_text(f"{EN_DASH}{_hm(order.window_end)}")
    expect(page.locator(".timeline time").first).to_have_text(event)
    expect(page.get_by_text("times in Europe/Berlin")).to_be_visible()

    page.goto(f"{live_server.url}/t/{order.tracking_token}/")
    low, high = _rounded(stop.eta_low, stop.eta_high)
    expect(page.locator(".eta")).to_have_text(f"between {low} and {high}")
    expect(page.locator(".timeline time").first).to_have_text(event)
    expect(page.get_by_text("Times in Europe/Berlin").first).to_be_visible()
    context.close()
