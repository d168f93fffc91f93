"""The customer's page /t/<token>/ in a real browser: a timeline without repeats, and no promise
of a van once the order is delivered."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from orders.models import CustomerOrder, OrderEvent
from tests.dispatch.scenario import build_day
from tests.dispatch.scene import make_live

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]


def test_arriving_shows_once_and_a_delivered_order_promises_no_van(live_server, roles, page):
    day = build_day(routes=1, stops=5, day=dt.date(2026, 1, 13))
    make_live(day)
    order = day.stops[0][4].order  # the route's last stop: not next, so no "arriving" of its own
    assert not order.events.filter(type=OrderEvent.Type.ARRIVING).exists()
    T = OrderEvent.Type
    OrderEvent.objects.create(order=order, type=T.OUT_FOR_DELIVERY, at=day.at(8))
    eta = day.at(10, 20).isoformat()
    for n in range(6):  # the engine saw the van head over six times
        OrderEvent.objects.create(
            order=order,
            type=T.ARRIVING,
            at=day.at(9, 50) + dt.timedelta(minutes=n),
            data={"eta": eta},
        )

    page.goto(f"{live_server.url}/t/{order.tracking_token}/")
    timeline = page.locator(".timeline li")
    expect(timeline.filter(has_text="Arriving")).to_have_count(1)
    expect(timeline.filter(has_text="Arriving").locator("time")).to_have_text("Tue 13 Jan, 09:50")
    expect(page.get_by_text("The van appears here when you are its next stop.")).to_be_visible()

    CustomerOrder.objects.filter(pk=order.pk).update(
        status="delivered", delivered_at=day.at(10, 25)
    )
    OrderEvent.objects.create(order=order, type=T.DELIVERED, at=day.at(10, 25))
    from tracking.services.pages import pages_invalidate

    pages_invalidate(tokens=[order.tracking_token])
    page.goto(f"{live_server.url}/t/{order.tracking_token}/")
    expect(page.locator(".status-line")).to_contain_text("Delivered")
    expect(page.get_by_text("The van appears here")).to_have_count(0)
    expect(page.get_by_text("Delivered in this area.")).to_be_visible()
    expect(timeline.filter(has_text="Arriving")).to_have_count(1)
