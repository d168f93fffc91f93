"""A driver signs in and lands in the driver app on their route, not on the staff dashboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.dispatch.scenario import build_day

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]


def test_a_driver_logs_in_to_the_driver_app_with_their_stops(live_server, roles, page):
    day = build_day(routes=2, stops=4, started=0, delivered=0)
    route = day.routes[0]
    user = route.driver.user
    user.set_password("drive-by-hand-1")
    user.save()

    page.goto(f"{live_server.url}/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "drive-by-hand-1")
    page.click("button[type=submit]")

    expect(page).to_have_url(f"{live_server.url}/driver/")
    expect(page.locator("h1")).to_contain_text(f"Route {day.plan.reference}/{route.sequence}")
    expect(page.locator("article.stop")).to_have_count(4)
    expect(page.locator("article.stop.done")).to_have_count(0)
    expect(page.locator("#start")).to_be_visible()
    page.goto(f"{live_server.url}/")  # "/" is the driver app's front door too
    expect(page).to_have_url(f"{live_server.url}/driver/")
