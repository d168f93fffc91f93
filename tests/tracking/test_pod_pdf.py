"""Proof-of-delivery PDFs: staff download one per delivery from the order page and a zip of a
day's; partners get their own order's through the API (another partner's: 404)."""

import base64
import io
import zipfile

import pytest
from rest_framework.test import APIClient

from core.roles import Role
from tests.conftest import make_user

from .conftest import stops_of

pytestmark = pytest.mark.django_db

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def delivered(driver, route):
    """Stop A delivered with a name and a signature; the order belongs to a partner."""
    client = APIClient()
    client.force_login(driver.user)
    a, b, _ = stops_of(route)
    signature = "data:image/png;base64," + base64.b64encode(PNG).decode()
    response = client.post(
        f"/api/v1/driver/stops/{a.pk}/deliver/",
        {
            "recipient_name": "Ada Lovelace",
            "signature": signature,
            "latitude": 52.5,
            "longitude": 13.4,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    return a.order, b.order, route


def test_staff_download_a_delivery_pdf_from_the_order_page(client, delivered):
    order, _, _ = delivered
    pod = order.proofs_of_delivery.get()
    client.force_login(make_user(Role.WAREHOUSE, username="wanda"))
    page = client.get(f"/orders/{order.reference}/").content.decode()
    assert f"/tracking/pod/{pod.pk}.pdf" in page
    response = client.get(f"/tracking/pod/{pod.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"pod-{order.reference}-{pod.pk}.pdf" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")
    assert b"/Subtype /Image" in response.content  # the signature is in it


def test_drivers_may_not_download_it(client, driver, delivered):
    pod = delivered[0].proofs_of_delivery.get()
    client.force_login(driver.user)
    assert client.get(f"/tracking/pod/{pod.pk}.pdf").status_code == 403


def test_a_day_of_proofs_as_a_zip(client, delivered):
    order, _, route = delivered
    client.force_login(make_user(Role.DISPATCHER, username="dana"))
    deliveries = client.get(f"/tracking/?date={route.plan.date}").content.decode()
    assert f"/tracking/pods.zip?date={route.plan.date}" in deliveries
    response = client.get(f"/tracking/pods.zip?date={route.plan.date}")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert len(names) == 1 and names[0].startswith(f"pod-{order.reference}-")
    assert archive.read(names[0]).startswith(b"%PDF-")


def test_a_partner_gets_its_own_orders_pdf_and_nobody_elses(partner, partner_api, delivered):
    order, undelivered, _ = delivered
    for o in (order, undelivered):
        o.partner = partner
        o.save(update_fields=["partner"])
    mine = partner_api(partner=partner, scopes=["orders:read"])
    response = mine.get(f"/api/v1/orders/{order.reference}/pod.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    missing = mine.get(f"/api/v1/orders/{undelivered.reference}/pod.pdf")
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "reference"
    other = partner_api(scopes=["orders:read"])
    assert other.get(f"/api/v1/orders/{order.reference}/pod.pdf").status_code == 404
    no_scope = partner_api(partner=partner, scopes=["stock:read"])
    assert no_scope.get(f"/api/v1/orders/{order.reference}/pod.pdf").status_code == 403
