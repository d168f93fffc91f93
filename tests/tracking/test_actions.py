"""Driver actions through the API: order lifecycle, idempotency, proof of delivery, emails."""

import base64
import datetime as dt
import io

import pytest
from django.core import mail
from rest_framework.test import APIClient

from core.models import OutboxEvent
from orders.models import OrderEvent
from tracking.models import EtaErrorSample, EtaRecord, Notification, ProofOfDelivery, StopEvent

from .conftest import stops_of

pytestmark = pytest.mark.django_db

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200


@pytest.fixture
def driver_api(driver):
    client = APIClient()
    client.force_login(driver.user)
    return client


def _post(client, url, data=None, key=None, fmt="json"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, data or {}, format=fmt, **headers)


def test_start_puts_orders_out_for_delivery_with_an_eta_email(
    driver_api, route, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(driver_api, f"/api/v1/driver/routes/{route.pk}/start/", key="s1")
    assert response.status_code == 200, response.json()
    a, b, c = stops_of(route)
    assert {s.order.status for s in (a, b, c)} == {"out_for_delivery"}
    subjects = sorted(m.subject for m in mail.outbox)
    assert sum("out for delivery" in s for s in subjects) == 3
    # The first stop is next: its customer hears the driver is on the way.
    assert sum("arrives soon" in s for s in subjects) == 1
    first = next(
        m for m in mail.outbox if a.order.reference in m.subject and "out for" in m.subject
    )
    assert "We expect to arrive between" in first.body
    assert f"/t/{a.order.tracking_token}/" in first.body
    assert OrderEvent.objects.filter(order=a.order, type="arriving").count() == 1


def test_the_same_delivery_twice_gives_one_event_and_one_email(
    driver_api, route, django_capture_on_commit_callbacks
):
    a = stops_of(route)[0]
    url = f"/api/v1/driver/stops/{a.pk}/deliver/"
    with django_capture_on_commit_callbacks(execute=True):
        first = _post(driver_api, url, {"recipient_name": "Ann"}, key="d-1")
        replay = _post(driver_api, url, {"recipient_name": "Ann"}, key="d-1")
        again = _post(driver_api, url, {"recipient_name": "Ann"}, key="d-2")  # no shared key
    assert first.status_code == replay.status_code == again.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true"
    a.refresh_from_db()
    assert a.status == "delivered" and a.order.status == "delivered"
    assert OrderEvent.objects.filter(order=a.order, type="delivered").count() == 1
    assert StopEvent.objects.filter(stop=a, type="delivered").count() == 1
    assert OutboxEvent.objects.filter(type="order.delivered").count() == 1
    delivered_mails = [m for m in mail.outbox if "was delivered" in m.subject]
    assert len(delivered_mails) == 1 and "received by Ann" in delivered_mails[0].body
    assert Notification.objects.filter(order=a.order, kind="delivered").count() == 1


def test_delivery_with_photo_and_signature_is_stored(driver_api, route, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a = stops_of(route)[0]
    photo = io.BytesIO(JPEG)
    photo.name = "door.jpg"
    signature = "data:image/png;base64," + base64.b64encode(PNG).decode()
    response = _post(
        driver_api,
        f"/api/v1/driver/stops/{a.pk}/deliver/",
        {"photo": photo, "signature": signature, "recipient_name": "Ann"},
        fmt="multipart",
    )
    assert response.status_code == 200, response.json()
    pod = ProofOfDelivery.objects.get(stop=a)
    assert pod.photo.name.endswith(".jpg") and "door" not in pod.photo.name
    assert pod.signature.read() == PNG
    assert pod.recipient_name == "Ann"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"photo": ("notes.txt", b"hello, I am not an image")}, "photo"),
        ({"photo": ("big.jpg", JPEG + b"\x00" * 3000)}, "photo"),
        ({"signature": "data:image/png;base64,@@@"}, "signature"),
        ({"signature": "javascript:alert(1)"}, "signature"),
    ],
)
def test_bad_pod_files_answer_400_naming_the_field(driver_api, route, settings, payload, field):
    settings.TRACKING_POD_MAX_BYTES = 2048
    a = stops_of(route)[0]
    data = {"recipient_name": "Ann"}
    for name, value in payload.items():
        if isinstance(value, tuple):
            upload = io.BytesIO(value[1])
            upload.name = value[0]
            data[name] = upload
        else:
            data[name] = value
    response = _post(driver_api, f"/api/v1/driver/stops/{a.pk}/deliver/", data, fmt="multipart")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == field
    a.refresh_from_db()
    assert a.status == "planned"
    assert not ProofOfDelivery.objects.exists()


def test_delivery_needs_some_proof(driver_api, route):
    a = stops_of(route)[0]
    response = _post(driver_api, f"/api/v1/driver/stops/{a.pk}/deliver/", {})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "recipient_name"


def test_fail_needs_a_known_reason_and_moves_the_order(
    driver_api, route, django_capture_on_commit_callbacks
):
    a = stops_of(route)[0]
    bad = _post(driver_api, f"/api/v1/driver/stops/{a.pk}/fail/", {"reason": "aliens"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "reason"
    with django_capture_on_commit_callbacks(execute=True):
        ok = _post(driver_api, f"/api/v1/driver/stops/{a.pk}/fail/", {"reason": "customer_absent"})
    assert ok.status_code == 200
    a.refresh_from_db()
    assert (a.status, a.order.status) == ("failed", "failed")
    failed = [m for m in mail.outbox if "could not deliver" in m.subject]
    assert len(failed) == 1 and "What happens next" in failed[0].body


def test_another_drivers_stop_answers_404(route, make_user_driver):
    other = make_user_driver("otto")
    client = APIClient()
    client.force_login(other)
    a = stops_of(route)[0]
    assert client.post(f"/api/v1/driver/stops/{a.pk}/arrive/", {}, format="json").status_code == 404


def test_staff_without_driver_role_are_refused(route, staff_api):
    a = stops_of(route)[0]
    client = staff_api("warehouse")
    assert client.post(f"/api/v1/driver/stops/{a.pk}/arrive/", {}).status_code == 403


def test_arrival_scores_the_etas_given_for_the_stop(driver_api, make_route, matrix_provider, now):
    from tracking.services import route_etas_refresh

    route = make_route(start=now - dt.timedelta(minutes=30))
    route_etas_refresh(route_id=route.pk, now=now - dt.timedelta(minutes=30))
    a = stops_of(route)[0]
    eta = a.eta
    response = _post(
        driver_api,
        f"/api/v1/driver/stops/{a.pk}/arrive/",
        {"at": (eta + dt.timedelta(minutes=3)).isoformat()},
    )
    assert response.status_code == 200, response.json()
    # The ETA given 30 min ago was 3 min early; every ETA given for the stop got its error.
    first = EtaRecord.objects.filter(stop=a).earliest("computed_at")
    assert first.error_s == 180
    assert not EtaRecord.objects.filter(stop=a, error_s__isnull=True).exists()
    # The windows learn from the ETA in force every 5 minutes before the arrival (13 min after
    # that ETA was given): 5 and 10 minutes before, the one given 30 min ago, 3 min early.
    assert list(EtaErrorSample.objects.filter(stop=a).values_list("error_s", flat=True)) == [
        180,
        180,
    ]


def test_skip_fails_the_order_without_an_attempt_at_the_door(driver_api, route):
    c = stops_of(route)[2]
    response = _post(driver_api, f"/api/v1/driver/stops/{c.pk}/skip/", {"reason": "out_of_time"})
    assert response.status_code == 200
    c.refresh_from_db()
    assert (c.status, c.order.status) == ("skipped", "failed")
