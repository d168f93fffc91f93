"""Screenshots of same-day insertion on the board as the dispatcher (and the order page as the
warehouse, who sees no insertion), into docs/screenshots/insert/. Run explicitly (the file name
keeps it out of the test run):

    .venv/bin/python -m pytest tests/browser/screenshots_insert.py
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from orders.models import CustomerOrder
from tests.dispatch.scenario import build_day
from tests.dispatch.scene import make_live
from tests.routing.test_insertion_services import new_order

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "insert"


def _shot(page, name: str, *, full_page: bool = False) -> None:
    page.wait_for_timeout(400)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)


def test_take_insertion_screenshots(live_server, login, browser, eager_tasks):
    OUT.mkdir(parents=True, exist_ok=True)
    day = build_day(routes=3, stops=6, delivered=2, now_hour=10.0)
    make_live(day)
    easy = new_order(day, ref="ORD-2026-900101", near=(1, 9.0))
    urgent = new_order(day, ref="ORD-2026-900102", near=(0, 3.0), window=(10, 11))
    CustomerOrder.objects.filter(pk=urgent.pk).update(window_end=day.at(10, 20))
    new_order(day, ref="ORD-2026-900103", near=(2, 9.5))
    new_order(day, ref="ORD-2026-900104", near=(2, 4.0), required_skills=["frozen"])
    url = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    login(context, role="dispatcher", username="dana")
    page = context.new_page()
    page.goto(f"{url}/dispatch/")
    page.wait_for_selector(".route-card")
    _shot(page, "board-unassigned-dispatcher")

    dialog = page.locator("#board-dialog")
    page.locator(f"#exc-unassigned-{easy.pk}").get_by_role(
        "button", name="Insert into route…"
    ).click()
    expect(dialog.locator(".insert-option").first).to_be_visible(timeout=15000)
    _shot(page, "insert-dialog-dispatcher")
    dialog.locator("[data-confirm-insert]").first.click()
    expect(dialog).to_contain_text("is now stop", timeout=15000)
    _shot(page, "insert-done-dispatcher")
    dialog.locator("[data-action=close]").first.click()

    page.locator(f"#exc-unassigned-{urgent.pk}").get_by_role(
        "button", name="Insert into route…"
    ).click()
    expect(dialog.locator("[data-override]").first).to_be_visible(timeout=15000)
    _shot(page, "insert-override-dispatcher")
    dialog.locator("[data-confirm-insert]").first.click()  # the browser asks for the checkbox
    page.wait_for_timeout(300)
    _shot(page, "insert-override-required-dispatcher")
    option = dialog.locator(".insert-option").first
    option.locator("input[name=override]").check()
    option.locator("input[name=reason]").fill("Pharmacy order, promised before 10:20")
    option.locator("[data-confirm-insert]").click()
    expect(dialog).to_contain_text("is now stop", timeout=15000)
    dialog.locator("[data-action=close]").first.click()

    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Insert all unassigned").click()
    expect(dialog).to_contain_text("Insert all", timeout=15000)
    _shot(page, "insert-all-confirm-dispatcher")
    dialog.get_by_role("button", name="Insert all").click()
    expect(dialog).to_contain_text("Not placed", timeout=30000)
    _shot(page, "insert-all-result-dispatcher")
    dialog.locator("[data-action=close]").first.click()

    later = new_order(day, ref="ORD-2026-900105", near=(1, 5.0))
    page.goto(f"{url}/orders/{later.reference}/")
    _shot(page, "order-page-dispatcher", full_page=True)
    page.get_by_role("link", name="Insert into route…").click()
    page.wait_for_selector(".insert-option")
    _shot(page, "insert-page-dispatcher", full_page=True)

    moving = day.stops[0][3]
    page.goto(f"{url}/dispatch/")
    page.wait_for_selector(".route-card")
    move_url = f"/dispatch/stops/{moving.pk}/move/?route={day.routes[1].pk}"
    page.evaluate(f"htmx.ajax('GET', '{move_url}', '#dialog-body')")
    expect(dialog.locator("[data-override]")).to_be_visible(timeout=15000)
    _shot(page, "move-override-dispatcher")
    page.close()
    context.clear_cookies()

    login(context, role="warehouse", username="wim")
    page = context.new_page()
    page.goto(f"{url}/orders/{later.reference}/")
    _shot(page, "order-page-warehouse", full_page=True)
    context.close()
