"""`make screenshots`: the board, a route's detail and a customer's tracking page, saved under
docs/screenshots/ (1280x800 and the board also at 1920x1080). Run explicitly (the file name
keeps it out of the normal test run):

    .venv/bin/python -m pytest tests/browser/screenshots.py
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dispatch.scenario import build_day
from tests.dispatch.scene import make_live, unassigned_order

pytestmark = [
    pytest.mark.integration,
    # pytest-playwright's base_url fixture triggers a pytest deprecation warning (not ours).
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_take_screenshots(live_server, board_worker, login, browser):
    OUT.mkdir(parents=True, exist_ok=True)
    day = build_day(routes=6, stops=8, now_hour=11.5, delivered=3, started=5)
    make_live(day, stale=3, failed=1, late=(2, 4))
    unassigned_order(day)
    for size, name in (((1280, 800), "board.png"), ((1920, 1080), "board-wall.png")):
        context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        login(context, username=f"dana{size[0]}")
        page = context.new_page()
        page.goto(f"{live_server.url}/dispatch/")
        page.wait_for_selector(".route-card")
        page.locator(f"#stops-{day.routes[0].pk}").evaluate("d => d.open = true")
        page.wait_for_timeout(600)
        page.screenshot(path=str(OUT / name))
        if name == "board.png":
            page.locator(".stop-item[data-movable]").first.focus()
            page.keyboard.press("m")
            page.wait_for_selector(".preview-tables")
            page.screenshot(path=str(OUT / "board-move.png"))
        context.close()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    login(context, username="dana-route")
    page = context.new_page()
    page.goto(f"{live_server.url}/routing/plans/{day.plan.reference}/")
    page.wait_for_selector("#plan-map")
    page.locator(f"#route-{day.routes[1].pk}").screenshot(path=str(OUT / "route.png"))
    stop = next(s for s in day.stops[0] if s.status == "planned")
    page.goto(f"{live_server.url}/t/{stop.order.tracking_token}/")
    page.wait_for_timeout(500)
    page.screenshot(path=str(OUT / "tracking.png"), full_page=True)
    context.close()
