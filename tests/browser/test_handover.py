"""Handover at the door in a real browser on a phone viewport: a delivery PIN typed while the
phone is offline is queued, shown as provisional, and checked by the server when the phone is
back online (right: delivered; wrong: "PIN failed", on the phone and on the board, where the
dispatcher releases it); a cash-on-delivery order refuses a shortfall and the day's cash shows
on the dispatcher's reconciliation page. Screenshots go to docs/screenshots/handover/ under
`make screenshots` (WAYBILL_SCREENSHOTS=1), else to the temporary directory: `make test` leaves
the working tree as it found it."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from orders.models import CodCollection, DeliveryPin, OrderEvent, PinAttempt
from routing.models import Stop
from tests.browser.shots import screenshot
from tests.dispatch.scenario import BERLIN, build_day
from tracking.services import route_start

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
QUEUE = "waybill.driver.queue.v1"


@pytest.fixture(autouse=True)
def _fast_hash(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TRACKING_SMS_PROVIDER = ""


def _cookie_login(context, user, live_server):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _shot(page, name):
    screenshot(page, "handover", name, full_page=True)


def _day_out(*, pin=(), cod=None):
    """One route of three planned stops; the given stops need a PIN / carry COD amounts; the
    route is started, so the PINs go out (tasks run in this process)."""
    # The simulated clock runs at real time: the phone stamps its actions with the real time.
    now = timezone.localtime(timezone.now(), BERLIN)
    day = build_day(routes=1, stops=3, started=0, delivered=0, now_hour=now.hour + now.minute / 60)
    stops = day.stops[0]
    for k in pin:
        order = stops[k].order
        order.requires_pin = True
        order.save(update_fields=["requires_pin"])
    for k, amount in (cod or {}).items():
        order = stops[k].order
        order.cod_amount, order.cod_currency = Decimal(amount), "EUR"
        order.save(update_fields=["cod_amount", "cod_currency"])
    route_start(route=day.routes[0], user=day.routes[0].driver.user)
    return day, stops


def _pin_of(order) -> str:
    body = next(m.body for m in mail.outbox if order.reference in m.subject and "PIN" in m.subject)
    return re.search(r"Your delivery PIN is: (\d{6})", body).group(1)


def _open_delivered(page, stop):
    card = page.locator(f"#stop-{stop.pk}")
    card.locator("summary", has_text="Delivered").click()
    return card


def test_a_pin_typed_offline_is_provisional_until_the_server_checks_it(
    live_server, roles, eager_tasks, browser
):
    day, stops = _day_out(pin=(0,))
    stop = stops[0]
    pin = _pin_of(stop.order)
    pin_hash = DeliveryPin.objects.get(order=stop.order).pin_hash
    context = browser.new_context(**PHONE)
    _cookie_login(context, day.routes[0].driver.user, live_server)
    page = context.new_page()
    page.goto(f"{live_server.url}/driver/")
    assert pin_hash not in page.content() and pin not in page.content()
    card = _open_delivered(page, stop)
    expect(card.locator("input[name=pin]")).to_be_visible()
    _shot(page, "driver-pin-phone")

    context.set_offline(True)
    expect(page.locator("#net")).to_contain_text("Offline")
    card.locator("input[name=recipient_name]").fill("Lena")
    card.locator("input[name=pin]").fill(pin)
    card.get_by_role("button", name="Confirm delivery").click()
    expect(card.locator("[data-provisional]")).to_be_visible()
    expect(page.locator("#net")).to_contain_text("1 action(s) waiting")
    queued = page.evaluate(f"localStorage.getItem('{QUEUE}')")
    assert pin_hash not in queued  # only what the driver typed, until it is sent
    _shot(page, "driver-pin-offline-provisional")
    assert Stop.objects.get(pk=stop.pk).status == "planned"  # the server knows nothing yet

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator(f"#stop-{stop.pk} [data-status]")).to_have_text("Delivered", timeout=15000)
    assert Stop.objects.get(pk=stop.pk).status == "delivered"
    attempt = PinAttempt.objects.get(order=stop.order)
    assert attempt.is_correct and attempt.entered_offline
    assert page.evaluate(f"localStorage.getItem('{QUEUE}')") in ("[]", None)
    context.close()


def test_a_wrong_pin_typed_offline_fails_and_the_dispatcher_releases_it_on_the_board(
    live_server, roles, eager_tasks, browser, login
):
    day, stops = _day_out(pin=(0,))
    stop = stops[0]
    wrong = f"{(int(_pin_of(stop.order)) + 1) % 1000000:06d}"
    phone = browser.new_context(**PHONE)
    _cookie_login(phone, day.routes[0].driver.user, live_server)
    page = phone.new_page()
    page.goto(f"{live_server.url}/driver/")
    card = _open_delivered(page, stop)
    phone.set_offline(True)
    card.locator("input[name=recipient_name]").fill("Lena")
    card.locator("input[name=pin]").fill(wrong)
    card.get_by_role("button", name="Confirm delivery").click()
    expect(card.locator("[data-provisional]")).to_be_visible()
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(card.locator("[data-status]")).to_have_text("PIN failed", timeout=15000)
    expect(card.locator("[data-handover-error]")).to_contain_text("PIN failed")
    _shot(page, "driver-pin-failed")
    assert DeliveryPin.objects.get(order=stop.order).state == "failed"
    assert Stop.objects.get(pk=stop.pk).status == "planned"

    office = browser.new_context(viewport={"width": 1280, "height": 800})
    login(office)
    board = office.new_page()
    board.goto(f"{live_server.url}/dispatch/")
    exception = board.locator(f"#exc-pin-{stop.pk}")
    expect(exception).to_contain_text("PIN failed")
    exception.get_by_role("button", name="Release PIN…").click()
    dialog = board.locator("#board-dialog")
    dialog.locator("#id_reason").fill("Customer confirmed by phone")
    _shot(board, "board-pin-override")
    dialog.get_by_role("button", name="Release the PIN").click()
    expect(dialog).to_contain_text("PIN released")
    assert DeliveryPin.objects.get(order=stop.order).state == "overridden"
    assert OrderEvent.objects.filter(order=stop.order, type="pin_overridden").exists()
    office.close()

    page.reload()
    card = _open_delivered(page, stop)
    expect(card).to_contain_text("Dispatch released the PIN")
    card.locator("input[name=recipient_name]").fill("Lena")
    card.get_by_role("button", name="Confirm delivery").click()
    expect(page.locator(f"#stop-{stop.pk} [data-status]")).to_have_text("Delivered", timeout=15000)
    phone.close()


def test_cash_on_delivery_refuses_a_shortfall_and_shows_on_the_cash_page(
    live_server, roles, eager_tasks, browser, login
):
    day, stops = _day_out(cod={0: "42.50", 1: "10.00"})
    phone = browser.new_context(**PHONE)
    _cookie_login(phone, day.routes[0].driver.user, live_server)
    page = phone.new_page()
    page.goto(f"{live_server.url}/driver/")
    first = _open_delivered(page, stops[0])
    expect(first).to_contain_text("Collect 42.50 EUR")
    first.locator("input[name=recipient_name]").fill("Lena")
    first.locator("select[name=cod_method]").select_option("cash")
    first.locator("input[name=cod_amount]").fill("40")
    _shot(page, "driver-cod-phone")
    first.get_by_role("button", name="Confirm delivery").click()
    expect(first.locator("form[data-action=deliver] [data-error]")).to_contain_text(
        "less than the 42.50 EUR"
    )
    assert not CodCollection.objects.exists()
    first.locator("input[name=cod_amount]").fill("42,50")
    first.get_by_role("button", name="Confirm delivery").click()
    expect(page.locator(f"#stop-{stops[0].pk} [data-status]")).to_have_text(
        "Delivered", timeout=15000
    )
    second = _open_delivered(page, stops[1])
    second.locator("input[name=recipient_name]").fill("Omar")
    second.locator("select[name=cod_method]").select_option("card")
    second.locator("input[name=cod_amount]").fill("10")
    second.get_by_role("button", name="Confirm delivery").click()
    expect(page.locator(f"#stop-{stops[1].pk} [data-status]")).to_have_text(
        "Delivered", timeout=15000
    )
    assert CodCollection.objects.get(order=stops[0].order).amount == Decimal("42.50")
    phone.close()

    office = browser.new_context(viewport={"width": 1280, "height": 800})
    login(office)
    cash = office.new_page()
    cash.goto(f"{live_server.url}/")
    cash.get_by_role("link", name="Cash").click()
    cash.goto(f"{live_server.url}/tracking/cash/?date={day.day.isoformat()}")
    row = cash.locator("#cash tbody tr").first
    expect(row).to_contain_text("52.50 EUR")
    expect(row.locator("[data-col=handed-in]")).to_contain_text("not counted")
    expect(row).to_have_class(re.compile("flagged"))
    row.locator("input[name=amount]").fill("40.00")
    row.get_by_role("button", name="Save").click()
    row = cash.locator("#cash tbody tr").first
    expect(row.locator("[data-col=cash-diff]")).to_have_text("-2.50")
    _shot(cash, "cash-reconciliation")
    with cash.expect_download() as download:
        cash.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text()
    assert "52.50" in text and "-2.50" in text
    office.close()
