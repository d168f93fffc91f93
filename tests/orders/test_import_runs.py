"""Importing orders from CSV runs in the background: the upload answers at once, the run's page
shows progress, then the result or the errors by row; a double submit imports once."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.roles import Role
from orders.models import CustomerOrder
from tests.conftest import make_user
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

HEADER = b"order_ref,warehouse,customer_name,address,latitude,longitude,window_start,window_end,sku,quantity\n"  # noqa: E501
GOOD = HEADER + (
    b"A1,BER,Ann,Road 1,52.5,13.4,2099-01-01 10:00,2099-01-01 12:00,TEA-001,2\n"
    b"A1,BER,Ann,Road 1,52.5,13.4,2099-01-01 10:00,2099-01-01 12:00,KET-001,1\n"
    b"A2,BER,Ben,Road 2,52.5,13.4,2099-01-01 10:00,2099-01-01 12:00,TEA-001,1\n"
)


@pytest.fixture
def dana(client):
    client.force_login(make_user(Role.DISPATCHER, username="dana"))
    return client


def _upload(client, content):
    return client.post("/orders/import/", {"file": SimpleUploadedFile("o.csv", content)})


def _run(client, capture, content):
    """Upload, let the background run happen (after commit), and open the run's page."""
    with capture(execute=True):
        response = _upload(client, content)
    return client.get(response["Location"])


def test_the_upload_answers_at_once_and_the_run_imports_in_the_background(
    dana, stocked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _upload(dana, GOOD)
    assert response.status_code == 302 and "/orders/import/" in response["Location"]
    run_url = response["Location"]
    assert not CustomerOrder.objects.exists()
    page = dana.get(run_url).content.decode()
    assert "Waiting to import" in page and 'hx-trigger="every 1s"' in page

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert sorted(CustomerOrder.objects.values_list("external_ref", flat=True)) == ["A1", "A2"]
    poll = dana.get(run_url + "?progress=1", HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true"
    done = dana.get(run_url)
    assert done.status_code == 200 and "Imported 2 orders." in done.content.decode()


def test_a_double_submit_imports_once(dana, stocked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = _upload(dana, GOOD)
        second = _upload(dana, GOOD)
    assert first["Location"] == second["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks + callbacks:  # even a task delivered twice
            callback()
    assert CustomerOrder.objects.count() == 2
    again = _run(dana, django_capture_on_commit_callbacks, GOOD)  # later: the same receipt
    assert CustomerOrder.objects.count() == 2 and "Imported 2 orders." in again.content.decode()


def test_errors_land_on_the_run_page_and_the_file_can_be_sent_again_after_the_fix(
    dana, stocked, django_capture_on_commit_callbacks
):
    content = GOOD + b"A3,BER,Cy,Road 3,52.5,13.4,2099-01-01 10:00,2099-01-01 12:00,MUG-001,1\n"
    failed = _run(dana, django_capture_on_commit_callbacks, content)
    assert failed.status_code == 422
    page = failed.content.decode()
    assert "Nothing was imported: 1 error in 1 row." in page and "MUG-001" in page
    assert "Fix the file and send it again" in page
    assert not CustomerOrder.objects.exists()

    ProductFactory(sku="MUG-001", name="Mug")
    done = _run(dana, django_capture_on_commit_callbacks, content)
    assert "Imported 3 orders." in done.content.decode()


def test_an_empty_file_is_a_form_error_and_queues_nothing(
    dana, stocked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _upload(dana, b"   \n")
    assert response.status_code == 422 and callbacks == []


def test_a_run_is_shown_to_its_own_user_only(
    dana, client, stocked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_url = _upload(dana, GOOD)["Location"]
    client.force_login(make_user(Role.DISPATCHER, username="dora"))
    assert client.get(run_url).status_code == 404
    client.force_login(make_user(Role.WAREHOUSE, username="wim"))
    assert client.get(run_url).status_code == 403
