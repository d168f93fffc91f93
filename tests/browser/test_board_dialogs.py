"""The board's action buttons in the Exceptions panel, in a real browser: the panel refreshes
itself every few seconds, and a dialog opened from it must keep working after that."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from routing.models import Stop
from tests.dispatch.scenario import build_day
from tests.dispatch.scene import make_live

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]


def _watch_htmx_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.add_init_script(
        """["htmx:targetError", "htmx:responseError", "htmx:swapError"].forEach(function (n) {
             document.addEventListener(n, function () { console.error(n); });
           });"""
    )
    return errors


def test_move_from_the_exceptions_panel_confirms_after_the_panel_refreshed(
    live_server, board_worker, login, browser
):
    day = build_day(routes=2, stops=4)
    stop = day.stops[0][3]
    make_live(day, late=(0, 3))
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    login(context)
    page = context.new_page()
    errors = _watch_htmx_errors(page)
    page.goto(f"{live_server.url}/dispatch/")
    exception = page.locator(f"#exc-late_risk-{stop.pk}")
    expect(exception).to_be_visible()

    exception.get_by_role("button", name="Move…").click()
    dialog = page.locator("#board-dialog")
    expect(dialog.locator("#id_route")).to_be_visible()
    dialog.locator("#id_route").select_option(str(day.routes[1].pk))
    expect(dialog.locator(".feasible")).to_contain_text("route 2", timeout=10000)
    # The panel polls every 1.5 s in these tests: let it refresh under the open dialog.
    page.wait_for_timeout(4000)
    dialog.locator("input[name=override]").check()  # its van has left
    dialog.locator("input[name=reason]").fill("Running late on route 1")
    dialog.locator("[data-confirm-move]").click()
    expect(dialog).to_contain_text("Moved", timeout=10000)
    assert Stop.objects.get(pk=stop.pk).route_id == day.routes[1].pk
    assert errors == [], errors
    context.close()
