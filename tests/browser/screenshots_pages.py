"""Screenshots of the pages the time, naming, customer-page, driver and mail changes touched, as
each role that sees them, into docs/screenshots/ (`make screenshots` runs it with
tests/browser/screenshots.py). Run explicitly; the file name keeps it out of the test run:

    .venv/bin/python -m pytest tests/browser/screenshots_pages.py
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from orders.models import CustomerOrder, OrderEvent
from tests.browser.test_crawl import _sign_in
from tests.dispatch.scenario import build_day
from tests.dispatch.scene import make_live, unassigned_order

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _shot(page, name: str, *, full_page: bool = True) -> None:
    page.wait_for_timeout(400)
    page.screenshot(path=str(OUT / name), full_page=full_page)


def test_take_day_screenshots(live_server, login, browser):
    """Board, stop and move dialogs, Deliveries, order page, customer page, driver app."""
    OUT.mkdir(parents=True, exist_ok=True)
    day = build_day(routes=4, stops=6, now_hour=11.5, delivered=3)
    make_live(day, failed=1, late=(0, 4), stale=3)
    unassigned_order(day)
    late = day.stops[0][4]
    order = late.order
    OrderEvent.objects.create(order=order, type=OrderEvent.Type.OUT_FOR_DELIVERY, at=day.at(8))
    for n in range(3):
        OrderEvent.objects.create(order=order, type=OrderEvent.Type.ARRIVING, at=day.at(11, n))
    url = live_server.url
    context = browser.new_context(viewport=DESKTOP)
    for role, username in (("dispatcher", "dana"), ("admin", "ada")):
        login(context, role=role, username=username)
        page = context.new_page()
        page.goto(f"{url}/dispatch/")
        page.wait_for_selector(".route-card")
        _shot(page, f"board-{role}.png", full_page=False)
        page.goto(f"{url}/tracking/")
        _shot(page, f"deliveries-{role}.png")
        page.goto(f"{url}/orders/{order.reference}/")
        _shot(page, f"order-{role}.png")
        page.close()
        context.clear_cookies()

    login(context, role="dispatcher", username="dana2")
    page = context.new_page()
    page.goto(f"{url}/dispatch/")
    page.locator(f"#exc-late_risk-{late.pk}").get_by_role("button", name="Move…").click()
    page.locator("#board-dialog #id_route").select_option(str(day.routes[1].pk))
    page.wait_for_selector("#board-dialog .preview-tables")
    _shot(page, "board-move-from-exception.png", full_page=False)
    page.keyboard.press("Escape")
    page.locator(f"#exc-late_risk-{late.pk}").get_by_role("button", name="Open").click()
    page.wait_for_selector("#stop-timeline")
    _shot(page, "board-stop-dialog.png", full_page=False)
    page.close()
    context.clear_cookies()

    login(context, role="warehouse", username="wim")
    page = context.new_page()
    page.goto(f"{url}/orders/{order.reference}/")
    _shot(page, "order-warehouse.png")
    context.close()

    customer = browser.new_context(viewport=PHONE)
    page = customer.new_page()
    page.goto(f"{url}/t/{order.tracking_token}/")
    _shot(page, "tracking-out-for-delivery.png")
    delivered = day.stops[0][0].order
    CustomerOrder.objects.filter(pk=delivered.pk).update(status="delivered", delivered_at=day.at(9))
    page.goto(f"{url}/t/{delivered.tracking_token}/")
    _shot(page, "tracking-delivered.png")
    customer.close()

    driver = browser.new_context(viewport=PHONE)
    user = day.routes[2].driver.user
    user.set_password("drive-1")
    user.save()
    page = driver.new_page()
    page.goto(f"{url}/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "drive-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/driver/")
    _shot(page, "driver-after-login.png", full_page=False)
    driver.close()


def test_take_mail_screenshots(
    live_server, roles, eager_tasks, browser, monkeypatch, settings, tmp_path
):
    """The kept e-mail, as every staff role (demo data: its notifications and approvals)."""
    OUT.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr("orders.demo.ORDERS_PER_WAREHOUSE", 6)
    monkeypatch.setattr("orders.demo.PAST_DELIVERED", 4)
    monkeypatch.setattr("routing.demo.PLAN_TIME_LIMIT_S", 1)
    settings.EMAIL_BACKEND = "core.sentmail.SentMailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    call_command("seed_demo", stdout=io.StringIO())
    assert User.objects.filter(username="approver").exists()
    context = browser.new_context(viewport=DESKTOP)
    for role in ("dispatcher", "warehouse", "purchasing", "approver", "admin"):
        _sign_in(context, live_server, role)
        page = context.new_page()
        page.goto(f"{live_server.url}/mail/")
        _shot(page, f"mail-list-{role}.png", full_page=False)
        if role == "dispatcher":
            page.locator("table.data a").first.click()
            page.wait_for_selector("h1")
            _shot(page, "mail-detail.png")
        page.close()
    context.close()
