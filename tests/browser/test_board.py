"""The dispatch board in a real browser (Debian chromium via Playwright) against the live server
and a real Celery worker: what a dispatcher sees and does, end to end."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from core.roles import Role
from orders.models import OrderEvent
from routing.models import Stop
from tests.conftest import make_user
from tests.dispatch.scenario import build_day
from tests.dispatch.scene import make_live, narrow_window, unassigned_order
from tracking import clock
from tracking.display import window_bounds

pytestmark = [
    pytest.mark.integration,
    # pytest-playwright's base_url fixture triggers a pytest deprecation warning (not ours).
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]


def _ping(route, lat: float, lon: float, heading: float = 90.0) -> None:
    """A ping from the route's driver through the API, timed by the (simulated) clock."""
    client = APIClient()
    client.force_login(route.driver.user)
    body = {
        "pings": [
            {
                "time": clock.now().isoformat(),
                "latitude": lat,
                "longitude": lon,
                "heading_deg": heading,
                "speed_kmh": 30,
            }
        ]
    }
    response = client.post("/api/v1/pings/", body, format="json")
    assert response.status_code == 201, response.content


@pytest.fixture
def board(live_server, board_worker, login, browser):
    """Open the board in a fresh 1280x800 context logged in as a dispatcher."""
    contexts = []

    def _open(query: str = ""):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        contexts.append(context)
        login(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/dispatch/{query}")
        expect(page.locator(".route-card").first).to_be_visible()
        return page

    yield _open
    for context in contexts:
        context.close()


def test_a_dispatcher_logs_in_and_sees_the_routes_and_the_exceptions(
    live_server, board_worker, roles, page
):
    day = build_day(routes=3, stops=5)
    make_live(day, failed=1)
    late = unassigned_order(day)
    user = make_user(Role.DISPATCHER, username="dana")
    user.set_password("board-pass-1")
    user.save()

    page.goto(f"{live_server.url}/dispatch/")
    page.fill("#id_username", "dana")
    page.fill("#id_password", "board-pass-1")
    page.click("button[type=submit]")

    expect(page).to_have_url(f"{live_server.url}/dispatch/")
    expect(page.locator(".route-card")).to_have_count(3)
    page.wait_for_function("typeof dispatchBoard !== 'undefined'")  # its script is deferred
    assert page.evaluate("Object.keys(dispatchBoard.routes).length") == 3
    expect(page.locator(".stop-pin")).to_have_count(15)
    expect(page.locator(".veh")).to_have_count(3)
    expect(page.locator(".depot-pin")).to_have_text("BER")
    failed = day.stops[1][2]
    expect(page.locator(f"#exc-failed-{failed.pk}")).to_contain_text(failed.order.reference)
    expect(page.locator(".exc-unassigned")).to_contain_text(late.reference)
    expect(page.locator(f"#route-card-{day.routes[0].pk}")).to_contain_text("2/5 stops")


def test_a_ping_moves_the_vehicle_on_the_open_page_without_a_reload(board):
    day = build_day(routes=2, stops=4)
    make_live(day)
    page = board()
    route = day.routes[0]
    page.evaluate("window.__sameDocument = true")
    page.evaluate("dispatchBoard.map.setZoom(dispatchBoard.map.getZoom() + 1, {animate: false})")
    view = page.evaluate("[dispatchBoard.map.getZoom(), dispatchBoard.map.getCenter().lat]")
    lat, lon = float(day.depot.latitude) + 0.01234, float(day.depot.longitude) + 0.00567

    started = time.monotonic()
    _ping(route, lat, lon, heading=135)
    page.wait_for_function(
        "([id, lat]) => Math.abs(dispatchBoard.vehicles[id].getLatLng().lat - lat) < 1e-6",
        arg=[route.pk, lat],
        timeout=5000,
    )
    assert time.monotonic() - started < 5
    assert page.evaluate("window.__sameDocument") is True
    assert page.evaluate("[dispatchBoard.map.getZoom(), dispatchBoard.map.getCenter().lat]") == view
    transform = page.evaluate(
        "id => dispatchBoard.vehicles[id].getElement().querySelector('.veh-arrow').style.transform",
        route.pk,
    )
    assert transform == "rotate(135deg)"


def test_a_delay_raises_late_risk_and_a_drag_to_another_route_clears_it(board):
    day = build_day(routes=3, stops=5)
    stop = day.stops[0][3]
    narrow_window(day, stop, day.at(9, 30), day.at(11, 30))
    make_live(day)
    page = board()
    exception = page.locator(f"#exc-late_risk-{stop.pk}")
    expect(exception).to_have_count(0)

    # The van is stuck 40 km south: the worker recomputes its ETAs from the new position.
    _ping(day.routes[0], float(day.depot.latitude) - 0.36, float(day.depot.longitude))
    expect(exception).to_be_visible(timeout=15000)

    target = page.locator(f"#route-card-{day.routes[1].pk}")
    exception.drag_to(target)
    dialog = page.locator("#board-dialog")
    expect(dialog.locator(".feasible")).to_be_visible(timeout=10000)
    expect(dialog.locator(".preview-tables section")).to_have_count(2)
    expect(dialog.locator("tr.moved")).to_contain_text(stop.order.reference)
    # Its van has left: moving it needs the override and a reason.
    dialog.locator("input[name=override]").check()
    dialog.locator("input[name=reason]").fill("Van 1 is stuck south of the city")
    dialog.locator("[data-confirm-move]").click()
    expect(dialog).to_contain_text("Moved")
    dialog.locator("[data-action=close]").last.click()

    expect(exception).to_have_count(0, timeout=15000)
    expect(page.locator(f"#route-card-{day.routes[0].pk} .stops-done")).to_have_text("2/4 stops")
    expect(target.locator(".stops-done")).to_have_text("2/6 stops")
    page.locator(f"#stops-{day.routes[1].pk} summary").click()
    page.locator(f"#stop-item-{stop.pk}").dblclick()
    expect(page.locator("#stop-timeline")).to_contain_text("Moved from route")


def test_the_keyboard_move_updates_both_routes_and_the_customer_page(board, live_server):
    day = build_day(routes=2, stops=4)
    make_live(day)
    stop = day.stops[0][3]
    before = stop.eta_low
    page = board()
    page.locator(f"#stops-{day.routes[0].pk} summary").click()
    page.locator(f"#stop-item-{stop.pk}").focus()
    page.keyboard.press("m")
    select = page.locator("#board-dialog #id_route")
    expect(select).to_be_focused()
    page.keyboard.press("ArrowDown")  # route 2
    expect(page.locator("#board-dialog .feasible")).to_contain_text("route 2", timeout=10000)
    page.keyboard.press("Tab")  # the position
    page.keyboard.press("Tab")  # "Check"
    page.keyboard.press("Tab")  # the override: its order is out for delivery
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("Customer asked for later")
    page.locator("[data-confirm-move]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#board-dialog")).to_contain_text("Moved")
    page.keyboard.press("Escape")

    expect(page.locator(f"#route-card-{day.routes[0].pk} .stops-done")).to_have_text("2/3 stops")
    expect(page.locator(f"#route-card-{day.routes[1].pk} .stops-done")).to_have_text("2/5 stops")
    note = OrderEvent.objects.get(
        order=stop.order, type=OrderEvent.Type.NOTE, data__action="stop_moved"
    )
    assert "to route" in note.message and note.user.username == "dana"

    # The worker recomputes route 2; the customer's page shows the new window.
    customer = page.context.new_page()
    deadline = time.monotonic() + 15
    while True:
        moved = Stop.objects.get(pk=stop.pk)
        expected = ""
        if moved.eta_low and moved.eta_low != before:
            low, high = window_bounds(moved.eta_low, moved.eta_high, day.depot.tzinfo)
            expected = f"between {low:%H:%M} and {high:%H:%M}"
            customer.goto(f"{live_server.url}/t/{stop.order.tracking_token}/")
            if customer.locator(".eta").inner_text().strip() == expected:
                break
        assert time.monotonic() < deadline, f"the tracking page never showed {expected!r}"
        time.sleep(0.3)
    assert moved.route_id == day.routes[1].pk


def test_a_move_that_breaks_capacity_is_refused_and_nothing_changes(board):
    day = build_day(routes=2, stops=4, small_vehicle=True, small_stops=2, delivered=1)
    make_live(day)
    stop = day.stops[0][3]
    page = board()
    page.locator(f"#stops-{day.routes[0].pk} summary").click()
    page.locator(f"#stop-item-{stop.pk}").drag_to(page.locator(f"#route-card-{day.routes[1].pk}"))
    dialog = page.locator("#board-dialog")
    expect(dialog.locator(".refused")).to_contain_text("exceeds the capacity of 50 kg")
    expect(dialog.locator("[data-confirm-move]")).to_be_disabled()

    # Even a stale preview's confirm is refused by the server, with the reason.
    dialog.locator("[data-confirm-move]").evaluate("b => { b.disabled = false; b.click(); }")
    expect(dialog.locator(".refused")).to_contain_text("Nothing was changed")
    expect(dialog.locator(".refused")).to_contain_text("exceeds the capacity")
    stop.refresh_from_db()
    assert stop.route_id == day.routes[0].pk and stop.sequence == 4
    assert not OrderEvent.objects.filter(order=stop.order, type=OrderEvent.Type.NOTE).exists()
    page.keyboard.press("Escape")
    expect(page.locator(f"#route-card-{day.routes[0].pk} .stops-done")).to_have_text("1/4 stops")
    expect(page.locator(f"#route-card-{day.routes[1].pk} .stops-done")).to_have_text("1/2 stops")
    assert dt.timedelta(0) <= clock.now() - day.now < dt.timedelta(minutes=5)
