"""Delivery PIN: sent to the customer when the order goes out, checked when the driver delivers
(right, wrong, locked after five, overridden by dispatch, wrong when typed offline), every
attempt audited, and neither the PIN nor its hash ever reaching the driver's phone."""

import re

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail
from rest_framework.test import APIClient

from core.models import IdempotencyRecord
from core.roles import Role
from orders.models import DeliveryPin, OrderEvent, PinAttempt
from tests.conftest import make_user
from tracking import sms
from tracking.models import Notification

from .conftest import stops_of

pytestmark = pytest.mark.django_db
PIN_RE = re.compile(r"Your delivery PIN is: (\d{6})")


@pytest.fixture(autouse=True)
def _fast_hash_and_sms(settings):
    # The slow production hasher is asserted once below; the rest check behaviour quickly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TRACKING_SMS_PROVIDER = "tracking.sms.MemorySmsProvider"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def driver_api(driver):
    client = APIClient()
    client.force_login(driver.user)
    return client


@pytest.fixture
def pin_route(make_route, matrix_provider):
    route = make_route()
    for stop in stops_of(route)[:2]:
        stop.order.requires_pin = True
        stop.order.contact_phone = "+49 30 1234567"
        stop.order.save(update_fields=["requires_pin", "contact_phone"])
    return route


def _start(client, route, capture):
    with capture(execute=True):
        response = client.post(f"/api/v1/driver/routes/{route.pk}/start/", {}, format="json")
    assert response.status_code == 200, response.json()


def _pin_of(order) -> str:
    bodies = [m.body for m in mail.outbox if order.reference in m.subject and "PIN" in m.subject]
    assert len(bodies) == 1
    return PIN_RE.search(bodies[0]).group(1)


def _deliver(client, stop, **data):
    body = {"recipient_name": "Ada", **data}
    return client.post(f"/api/v1/driver/stops/{stop.pk}/deliver/", body, format="json")


def test_out_for_delivery_sends_the_pin_by_email_and_sms_and_keeps_only_a_salted_hash(
    driver_api, pin_route, django_capture_on_commit_callbacks
):
    _start(driver_api, pin_route, django_capture_on_commit_callbacks)
    a, _b, c = stops_of(pin_route)
    pin = _pin_of(a.order)
    row = DeliveryPin.objects.get(order=a.order)
    assert row.state == "sent" and row.sent_at is not None
    assert pin not in row.pin_hash and check_password(pin, row.pin_hash)
    assert [m["to"] for m in sms.outbox] == ["+49 30 1234567", "+49 30 1234567"]
    assert any(pin in m["text"] for m in sms.outbox)
    # Kept notification bodies (the customer e-mails Waybill stores) never hold it.
    assert not Notification.objects.filter(body__contains=pin).exists()
    # The order without a PIN requirement gets none.
    assert not DeliveryPin.objects.filter(order=c.order).exists()
    assert not any(c.order.reference in m.subject and "PIN" in m.subject for m in mail.outbox)


def test_the_production_hasher_is_slow_and_salted(
    settings, driver_api, pin_route, django_capture_on_commit_callbacks
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    _start(driver_api, pin_route, django_capture_on_commit_callbacks)
    a, b, _ = stops_of(pin_route)
    hashes = [DeliveryPin.objects.get(order=s.order).pin_hash for s in (a, b)]
    algorithm, iterations, salt_a, _ = hashes[0].split("$")
    assert algorithm == "pbkdf2_sha256" and int(iterations) >= 600_000
    assert salt_a != hashes[1].split("$")[2]


def test_the_right_pin_delivers_and_is_audited(
    driver_api, driver, pin_route, django_capture_on_commit_callbacks
):
    _start(driver_api, pin_route, django_capture_on_commit_callbacks)
    a = stops_of(pin_route)[0]
    response = _deliver(driver_api, a, pin=_pin_of(a.order))
    assert response.status_code == 200, response.json()
    a.refresh_from_db()
    assert a.status == "delivered" and a.order.status == "delivered"
    attempt = PinAttempt.objects.get(order=a.order)
    assert attempt.is_correct and attempt.user == driver.user and not attempt.entered_offline
    assert DeliveryPin.objects.get(order=a.order).state == "verified"


def test_no_pin_or_a_wrong_pin_is_refused_naming_the_field_with_attempts_left(
    driver_api, pin_route, django_capture_on_commit_callbacks
):
    _start(driver_api, pin_route, django_capture_on_commit_callbacks)
    a = stops_of(pin_route)[0]
    pin = _pin_of(a.order)
    wrong = f"{(int(pin) + 1) % 1000000:06d}"
    missing = _deliver(driver_api, a)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "pin"
    response = _deliver(driver_api, a, pin=wrong)
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0] == {"field": "pin", "code": "pin_wrong", "message": body["detail"]}
    assert body["attempts_left"] == 4 and "4 attempt" in body["detail"]
    a.refresh_from_db()
    assert a.status == "planned" and a.order.status == "out_for_delivery"
    # The refused attempt is still on record (who and when).
    assert PinAttempt.objects.filter(order=a.order, is_correct=False).count() == 1


def test_five_wrong_pins_lock_it_and_then_even_the_right_one_is_refused(
    driver_api, pin_route, django_capture_on_commit_callbacks
):
    _start(driver_api, pin_route, django_capture_on_commit_callbacks)
    a = stops_of(pin_route)[0]
    pin = _pin_of(a.order)
    wrong = f"{(int(pin) + 7) % 1000000:06d}"
    codes = [_deliver(driver_api, a, pin=wrong).status_code for _ in range(5)]
    assert codes == [422, 422, 422, 422, 409]
    locked = _deliver(driver_api, a, pin=pin)
    assert locked.status_code == 409
    assert locked.json()["errors"][0]["code"] == "pin_locked"
    assert "call dispatch" in locked.json()["detail"]
    row = DeliveryPin.objects.get(order=a.order)
    assert row.state == "locked" and row.failed_attempts == 5
    assert PinAttempt.objects.filter(order=a.order).count() == 5  # the locked try is not checked
    assert OrderEvent.objects.filter(order=a.order, type="pin_locked").count() == 1
    page = driver_api.get("/driver/")
    assert "PIN locked" in page.content.decode()


def test_a_dispatcher_overrides_a_locked_pin_with_a_reason_on_the_timeline(
    client, driver_api, pin_route, django_capture_on_commit_callbacks
):
    _start(driver_api, pin_route, django_capture_on_commit_callbacks)
    a = stops_of(pin_route)[0]
    wrong = f"{(int(_pin_of(a.order)) + 3) % 1000000:06d}"
    for _ in range(5):
        _deliver(driver_api, a, pin=wrong)
    dispatcher = make_user(Role.DISPATCHER, username="disa")
    client.force_login(dispatcher)
    card = client.get(f"/dispatch/stops/{a.pk}/")
    assert "Release the PIN" in card.content.decode() and "Locked" in card.content.decode()
    refused = client.post(f"/tracking/stops/{a.pk}/pin-override/", {"reason": ""})
    assert refused.status_code == 422
    response = client.post(
        f"/tracking/stops/{a.pk}/pin-override/", {"reason": "Customer confirmed by phone"}
    )
    assert response.status_code == 200 and "PIN released" in response.content.decode()
    event = OrderEvent.objects.get(order=a.order, type="pin_overridden")
    assert "Customer confirmed by phone" in event.message and event.user == dispatcher
    delivered = _deliver(driver_api, a)
    assert delivered.status_code == 200, delivered.json()
    a.refresh_from_db()
    assert a.order.status == "delivered"


def test_only_dispatchers_may_override(
    client, driver, driver_api, pin_route, django_capture_on_commit_callbacks
):
    _start(driver_api, pin_route, django_capture_on_commit_callbacks)
    a = stops_of(pin_route)[0]
    client.force_login(driver.user)
    response = client.post(f"/tracking/stops/{a.pk}/pin-override/", {"reason": "me"})
    assert response.status_code == 403
    assert DeliveryPin.objects.get(order=a.order).state == "sent"


def test_a_wrong_pin_typed_offline_turns_the_delivery_into_pin_failed(
    driver_api, pin_route, django_capture_on_commit_callbacks
):
    _start(driver_api, pin_route, django_capture_on_commit_callbacks)
    a = stops_of(pin_route)[0]
    pin = _pin_of(a.order)
    wrong = f"{(int(pin) + 5) % 1000000:06d}"
    typed_at = "2020-01-01T10:00:00Z"
    response = _deliver(driver_api, a, pin=wrong, entered_offline=True, at=typed_at)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "pin_failed"
    # The phone's retry of the same entry is not counted twice.
    again = _deliver(driver_api, a, pin=wrong, entered_offline=True, at=typed_at)
    assert again.status_code == 422
    row = DeliveryPin.objects.get(order=a.order)
    assert row.state == "failed" and row.failed_attempts == 1
    attempt = PinAttempt.objects.get(order=a.order)
    assert attempt.entered_offline and attempt.entered_at.year == 2020
    assert OrderEvent.objects.filter(order=a.order, type="pin_failed").count() == 1
    a.refresh_from_db()
    assert a.status == "planned" and a.order.status == "out_for_delivery"
    page = driver_api.get("/driver/").content.decode()
    assert "PIN failed" in page
    # The driver may still deliver once the customer gives the right PIN.
    assert _deliver(driver_api, a, pin=pin).status_code == 200


def test_a_right_pin_typed_offline_completes_the_delivery_when_it_arrives(
    driver_api, pin_route, django_capture_on_commit_callbacks
):
    _start(driver_api, pin_route, django_capture_on_commit_callbacks)
    a = stops_of(pin_route)[0]
    response = _deliver(
        driver_api, a, pin=_pin_of(a.order), entered_offline=True, at="2020-01-01T10:00:00Z"
    )
    assert response.status_code == 200, response.json()
    assert PinAttempt.objects.get(order=a.order).entered_offline


def test_neither_the_pin_nor_its_hash_reaches_the_phone_or_the_idempotency_record(
    driver_api, pin_route, django_capture_on_commit_callbacks
):
    _start(driver_api, pin_route, django_capture_on_commit_callbacks)
    a = stops_of(pin_route)[0]
    pin = _pin_of(a.order)
    pin_hash = DeliveryPin.objects.get(order=a.order).pin_hash
    salt = pin_hash.split("$")[1]
    page = driver_api.get("/driver/").content.decode()
    assert "PIN needed" in page and 'name="pin"' in page
    responses = [page]
    wrong = f"{(int(pin) + 1) % 1000000:06d}"
    responses.append(_deliver(driver_api, a, pin=wrong).content.decode())
    ok = driver_api.post(
        f"/api/v1/driver/stops/{a.pk}/deliver/",
        {"recipient_name": "Ada", "pin": pin},
        format="json",
        HTTP_IDEMPOTENCY_KEY="deliver-a",
    )
    assert ok.status_code == 200
    responses += [ok.content.decode(), driver_api.get("/driver/").content.decode()]
    for text in responses:
        assert pin not in text and pin_hash not in text and salt not in text
    record = IdempotencyRecord.objects.get(key="deliver-a")
    assert pin not in str(record.response_body)
    # The stored fingerprint is of the body without the PIN: a replay with the PIN matches it.
    replay = driver_api.post(
        f"/api/v1/driver/stops/{a.pk}/deliver/",
        {"recipient_name": "Ada", "pin": pin},
        format="json",
        HTTP_IDEMPOTENCY_KEY="deliver-a",
    )
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"


def test_staff_see_the_pin_state_and_every_entry_on_the_order_page_but_never_the_pin(
    client, driver_api, pin_route, django_capture_on_commit_callbacks
):
    _start(driver_api, pin_route, django_capture_on_commit_callbacks)
    a = stops_of(pin_route)[0]
    pin = _pin_of(a.order)
    a.order.cod_amount, a.order.cod_currency = 12, "EUR"
    a.order.save(update_fields=["cod_amount", "cod_currency"])
    wrong = f"{(int(pin) + 1) % 1000000:06d}"
    assert _deliver(driver_api, a, pin=wrong, cod_method="cash", cod_amount="12").status_code == 422
    assert _deliver(driver_api, a, pin=pin, cod_method="cash", cod_amount="12").status_code == 200
    client.force_login(make_user(Role.DISPATCHER, username="dora"))
    page = client.get(f"/orders/{a.order.reference}/").content.decode()
    assert "Delivery PIN" in page and "Checked" in page
    assert page.count('badge bad">wrong') == 1 and page.count('badge good">right') == 1
    assert "collected 12.00 EUR by cash" in page
    pin_hash = DeliveryPin.objects.get(order=a.order).pin_hash
    assert pin not in page and pin_hash not in page


def test_the_order_pages_delivered_action_needs_the_pin_checked_and_the_payment_recorded(
    client, driver_api, pin_route, django_capture_on_commit_callbacks
):
    _start(driver_api, pin_route, django_capture_on_commit_callbacks)
    a, _b, c = stops_of(pin_route)
    c.order.cod_amount, c.order.cod_currency = 30, "EUR"
    c.order.save(update_fields=["cod_amount", "cod_currency"])
    dispatcher = make_user(Role.DISPATCHER, username="dora")
    client.force_login(dispatcher)
    page = client.post(f"/orders/{a.order.reference}/deliver/", follow=True).content.decode()
    assert "delivery PIN has not been checked" in page
    page = client.post(f"/orders/{c.order.reference}/deliver/", follow=True).content.decode()
    assert "30.00 EUR is to be collected" in page
    a.order.refresh_from_db()
    c.order.refresh_from_db()
    assert a.order.status == c.order.status == "out_for_delivery"
    client.post(f"/tracking/stops/{a.pk}/pin-override/", {"reason": "Known customer"})
    client.post(f"/orders/{a.order.reference}/deliver/")
    a.order.refresh_from_db()
    assert a.order.status == "delivered"
