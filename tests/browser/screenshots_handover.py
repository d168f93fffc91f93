"""Screenshots of the pages the delivery-PIN / cash-on-delivery work changed, as each role that
sees them, into docs/screenshots/handover/ (the phone and board flows are shot by
tests/browser/test_handover.py). Run explicitly; the file name keeps it out of the test run:

    .venv/bin/python -m pytest tests/browser/screenshots_handover.py
"""

from __future__ import annotations

import base64
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core.roles import Role
from orders.services import pin_override
from tests.conftest import make_user
from tests.dispatch.scenario import BERLIN, build_day
from tests.factories import PartnerFactory
from tracking.services import route_start

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]
OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "handover"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture(autouse=True)
def _fast_hash(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TRACKING_SMS_PROVIDER = ""


def _as(context, user, live_server):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.clear_cookies()
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _shot(page, url, name):
    OUT.mkdir(parents=True, exist_ok=True)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


def test_handover_pages(live_server, roles, eager_tasks, browser):
    now = timezone.localtime(timezone.now(), BERLIN)
    day = build_day(routes=1, stops=4, started=0, delivered=0, now_hour=now.hour + now.minute / 60)
    stops = day.stops[0]
    for k, (pin, cod) in enumerate([(True, "42.50"), (True, None), (False, "10.00"), (True, None)]):
        order = stops[k].order
        order.requires_pin, order.contact_phone = pin, "+49 30 1234567"
        if cod:
            order.cod_amount, order.cod_currency = Decimal(cod), "EUR"
        order.save()
    driver = day.routes[0].driver.user
    route_start(route=day.routes[0], user=driver)
    dispatcher = make_user(Role.DISPATCHER, username="dana")
    admin = make_user(Role.ADMIN, username="ada")
    pin_override(order=stops[0].order, user=dispatcher, reason="Customer confirmed by phone")
    api = APIClient()
    api.force_login(driver)
    signature = "data:image/png;base64," + base64.b64encode(PNG).decode()
    response = api.post(
        f"/api/v1/driver/stops/{stops[0].pk}/deliver/",
        {"recipient_name": "Lena", "signature": signature, "cod_method": "cash",
         "cod_amount": "42.50", "latitude": 52.52, "longitude": 13.40},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    for _ in range(5):  # stop 2: the driver got the PIN wrong five times
        api.post(f"/api/v1/driver/stops/{stops[1].pk}/deliver/",
                 {"recipient_name": "Omar", "pin": "000000"}, format="json")  # fmt: skip

    phone = browser.new_context(**PHONE)
    _as(phone, driver, live_server)
    page = phone.new_page()
    _shot(page, f"{live_server.url}/driver/", "driver-app-phone")
    page.locator(f"#stop-{stops[1].pk} summary", has_text="Delivered").click()
    page.screenshot(path=str(OUT / "driver-pin-locked.png"), full_page=True)
    phone.close()

    desk = browser.new_context(viewport=DESKTOP)
    page = desk.new_page()
    _as(desk, dispatcher, live_server)
    _shot(page, f"{live_server.url}/orders/{stops[0].order.reference}/", "order-page-dispatcher")
    _shot(page, f"{live_server.url}/orders/{stops[1].order.reference}/", "order-page-pin-locked")
    _shot(page, f"{live_server.url}/orders/new/", "order-form-dispatcher")
    _shot(page, f"{live_server.url}/tracking/?date={day.day}", "deliveries-dispatcher")
    page.goto(f"{live_server.url}/dispatch/")
    page.locator(f"#exc-pin-{stops[1].pk}").get_by_role("button", name="Open").click()
    page.locator("#board-dialog [data-pin-state]").wait_for()
    page.screenshot(path=str(OUT / "board-stop-card-pin-locked.png"))
    partner = PartnerFactory(name="Acme Shop")
    _as(desk, admin, live_server)
    _shot(page, f"{live_server.url}/partners/{partner.pk}/", "partner-page-admin")
    _shot(page, f"{live_server.url}/orders/{stops[0].order.reference}/", "order-page-admin")
    desk.close()
