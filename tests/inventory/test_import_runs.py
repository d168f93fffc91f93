"""CSV imports of products and opening stock run in the background: the upload answers at
once, the run's page shows the result or every error by row, a double submit imports once."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.roles import Role
from inventory.models import Product, StockMove
from tests.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

PRODUCTS = b"sku,name,weight_kg\nP-1,Pear,0.2\nP-2,Plum,0.1\n"
STOCK = b"warehouse,location,sku,quantity\nBER,A-01,P-1,5\nBER,A-01,P-2,7\n"


@pytest.fixture
def staff(client, user_factory):
    client.force_login(user_factory(Role.WAREHOUSE, username="wendy"))
    return client


def _upload(client, kind, content):
    file = SimpleUploadedFile("f.csv", content, content_type="text/csv")
    return client.post("/inventory/import/", {"kind": kind, "file": file})


def _run(client, capture, kind, content):
    with capture(execute=True):
        queued = _upload(client, kind, content)
    assert queued.status_code == 302
    return client.get(queued["Location"])


def test_products_then_opening_stock_import_in_the_background(
    staff, django_capture_on_commit_callbacks
):
    warehouse = WarehouseFactory(code="BER")
    LocationFactory(warehouse=warehouse, code="A-01", kind="storage")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = _upload(staff, "products", PRODUCTS)
    assert not Product.objects.exists()  # the request only queued the run
    waiting = staff.get(queued["Location"]).content.decode()
    assert "Waiting to import" in waiting and 'hx-trigger="every 1s"' in waiting
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    poll = staff.get(queued["Location"] + "?progress=1", HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true"
    assert (
        "Imported products: 2 created, 0 updated." in staff.get(queued["Location"]).content.decode()
    )

    page = _run(staff, django_capture_on_commit_callbacks, "stock", STOCK).content.decode()
    assert "Imported 12 units in 2 rows." in page
    assert StockMove.objects.filter(kind="receive").count() == 2


def test_a_double_submit_receives_the_stock_once(staff, django_capture_on_commit_callbacks):
    warehouse = WarehouseFactory(code="BER")
    LocationFactory(warehouse=warehouse, code="A-01", kind="storage")
    _run(staff, django_capture_on_commit_callbacks, "products", PRODUCTS)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = _upload(staff, "stock", STOCK)
        second = _upload(staff, "stock", STOCK)
    assert first["Location"] == second["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks + callbacks:  # even a task delivered twice
            callback()
    assert StockMove.objects.filter(kind="receive").count() == 2


def test_errors_land_on_the_run_page_with_the_kind_kept_for_the_retry(
    staff, django_capture_on_commit_callbacks
):
    page = _run(staff, django_capture_on_commit_callbacks, "stock", STOCK)
    assert page.status_code == 422
    body = page.content.decode()
    assert "Unknown warehouse" in body and "Fix the file and send it again" in body
    assert page.context["form"]["kind"].value() == "stock"
    assert not StockMove.objects.exists()


def test_an_empty_file_is_a_form_error(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _upload(staff, "products", b"  \n")
    assert response.status_code == 422 and callbacks == []
    assert "The file is empty." in response.content.decode()


def test_a_run_is_shown_to_its_own_user_only(
    staff, client, user_factory, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_url = _upload(staff, "products", PRODUCTS)["Location"]
    client.force_login(user_factory(Role.PURCHASING, username="pia"))
    assert client.get(run_url).status_code == 404
