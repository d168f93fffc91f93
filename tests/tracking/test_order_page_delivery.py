"""The staff order page shows what tracking recorded of the delivery: the customer's own
instructions from the tracking page and the proof of delivery (recipient, photo, signature)."""

import base64
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.roles import Role
from tests.conftest import make_user
from tracking import services
from tracking.services.customer import instructions_set

from .conftest import stops_of
from .test_actions import JPEG, PNG

pytestmark = pytest.mark.django_db


def _words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_order_page_shows_instructions_and_proof_of_delivery(route, now, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    stop = stops_of(route)[0]
    order = stop.order
    instructions_set(order=order, text="Gate code 4711, parcel behind the blue door")
    staff = Client()
    staff.force_login(make_user(Role.WAREHOUSE, username="wim"))
    before = _words(staff.get(f"/orders/{order.reference}/").content.decode())
    assert "Gate code 4711, parcel behind the blue door" in before
    assert "Proof of delivery" not in before

    services.route_start(route=route, now=now)
    photo = SimpleUploadedFile("door.jpg", JPEG, content_type="image/jpeg")
    signature = "data:image/png;base64," + base64.b64encode(PNG).decode()
    services.stop_deliver(stop=stop, recipient_name="Ann Example", photo=photo,
                          signature=signature, latitude=52.5, longitude=13.4)  # fmt: skip
    page = staff.get(f"/orders/{order.reference}/").content.decode()
    text = _words(page)
    assert "Proof of delivery" in text and "received by Ann Example" in text
    pod = stop.pod
    for kind, content in (("photo", JPEG), ("signature", PNG)):
        url = f"/tracking/pod/{pod.pk}/{kind}/"
        assert f'src="{url}"' in page
        assert b"".join(staff.get(url).streaming_content) == content
    # The files are staff pages: a purchasing user (no access to orders) is refused.
    other = Client()
    other.force_login(make_user(Role.PURCHASING, username="pia"))
    assert other.get(f"/tracking/pod/{pod.pk}/photo/").status_code == 403
