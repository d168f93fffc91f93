"""The partner API's CSV order import runs in the background: 202 with the run and its
Location, the run says how far it got, then the orders created or every error by row; a double
submit with the same Idempotency-Key imports once; another partner's run is not found."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import CustomerOrder

pytestmark = pytest.mark.django_db

CSV_HEADER = (
    "order_ref,warehouse,customer_name,address,latitude,longitude,"
    "window_start,window_end,sku,quantity\n"
)


@pytest.fixture
def shop(partner_api, stocked):
    return partner_api(scopes=["orders:read", "orders:write"])


def _rows(*rows: str) -> str:
    start = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%d")
    return CSV_HEADER + "".join(row.format(d=start) + "\n" for row in rows)


A1_TEA = "A1,BER,Ann,Main St 1,52.52,13.40,{d} 09:00,{d} 11:00,TEA-001,2"
A1_KETTLE = "A1,BER,Ann,Main St 1,52.52,13.40,{d} 09:00,{d} 11:00,KET-001,1"
A2_TEA = "A2,BER,Bob,Side St 2,52.50,13.38,{d} 12:00,{d} 14:00,TEA-001,1"


def _post(client, body, capture, **headers):
    with capture(execute=True):
        return client.post("/api/v1/orders/import/", body, content_type="text/csv", **headers)


def test_import_answers_202_with_a_run_that_ends_with_the_orders_created(
    shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = shop.post(
            "/api/v1/orders/import/", _rows(A1_TEA, A1_KETTLE, A2_TEA), content_type="text/csv"
        )
    assert response.status_code == 202, response.json()
    run = response.json()
    assert response["Location"] == run["url"] and "/api/v1/orders/import/runs/" in run["url"]
    assert run["status"] == "queued" and run["result"] is None
    assert not CustomerOrder.objects.exists()  # nothing was imported inside the request
    assert shop.get(run["url"]).json()["status"] == "queued"

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    done = shop.get(run["url"])
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "done" and body["result"]["created"] == 2 and body["errors"] == []
    partner = shop.partner
    assert set(CustomerOrder.objects.values_list("partner", flat=True)) == {partner.pk}
    assert CustomerOrder.objects.get(external_ref="A1").lines.count() == 2


def test_row_errors_stay_on_the_run_and_nothing_is_written(
    shop, django_capture_on_commit_callbacks
):
    body = _rows(
        A1_TEA,
        "A2,BER,Bob,Side St 2,0,0,{d} 12:00,{d} 14:00,TEA-001,1",
        "A3,BER,Cy,Road 3,52.5,13.3,{d} 12:00,{d} 14:00,NOPE,-1",
    )
    response = _post(shop, body, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    run = shop.get(response["Location"]).json()
    assert run["status"] == "failed" and run["detail"]
    fields = {e["field"] for e in run["errors"]}
    assert {"rows[4].sku", "rows[4].quantity"} <= fields
    assert {(e["row"], e["column"]) for e in run["errors"]} >= {(4, "sku")}
    assert not CustomerOrder.objects.exists()
    # Once the rows read well, a rule of the order itself (no coordinates) names its row.
    body = _rows(A1_TEA, "A2,BER,Bob,Side St 2,0,0,{d} 12:00,{d} 14:00,TEA-001,1")
    run = shop.get(_post(shop, body, django_capture_on_commit_callbacks)["Location"]).json()
    assert run["status"] == "failed"
    assert [e["field"] for e in run["errors"]] == ["rows[3].latitude"]
    assert not CustomerOrder.objects.exists()


def test_the_same_idempotency_key_twice_imports_once_and_points_at_the_same_run(
    shop, django_capture_on_commit_callbacks
):
    body = _rows(A1_TEA, A2_TEA)
    first = _post(shop, body, django_capture_on_commit_callbacks, HTTP_IDEMPOTENCY_KEY="imp-1")
    second = _post(shop, body, django_capture_on_commit_callbacks, HTTP_IDEMPOTENCY_KEY="imp-1")
    assert first.status_code == second.status_code == 202
    assert second["Idempotent-Replayed"] == "true"
    assert second["Location"] == first["Location"]
    # Without the key, the same file from the same partner is the same run too.
    third = _post(shop, body, django_capture_on_commit_callbacks)
    assert third["Location"] == first["Location"]
    assert CustomerOrder.objects.count() == 2
    assert shop.get(first["Location"]).json()["result"]["created"] == 2


def test_another_partners_run_is_not_found(shop, partner_api, django_capture_on_commit_callbacks):
    response = _post(shop, _rows(A1_TEA), django_capture_on_commit_callbacks)
    other = partner_api(scopes=["orders:read", "orders:write"])
    assert other.get(response["Location"]).status_code == 404
    assert shop.get("/api/v1/orders/import/runs/nope/").status_code == 404


def test_an_empty_file_is_refused_at_once_naming_the_file(shop):
    response = shop.post("/api/v1/orders/import/", "", content_type="text/csv")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"
    response = shop.post("/api/v1/orders/import/", "  \n", content_type="text/csv")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"


def test_a_key_without_orders_write_may_not_import(partner_api, stocked):
    reader = partner_api(scopes=["orders:read"])
    response = reader.post("/api/v1/orders/import/", _rows(A1_TEA), content_type="text/csv")
    assert response.status_code == 403 and "orders:write" in response.json()["detail"]


def test_the_same_key_with_another_file_of_the_same_name_is_refused(
    shop, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    def upload(body: str):
        with django_capture_on_commit_callbacks(execute=True):
            return shop.post(
                "/api/v1/orders/import/",
                {"file": SimpleUploadedFile("orders.csv", body.encode(), "text/csv")},
                format="multipart",
                HTTP_IDEMPOTENCY_KEY="imp-file",
            )

    first = upload(_rows(A1_TEA))
    again = upload(_rows(A1_TEA))
    other = upload(_rows(A2_TEA))
    assert first.status_code == again.status_code == 202
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422, other.content
    assert "already used with a different request" in other.json()["detail"], other.json()
    assert list(CustomerOrder.objects.values_list("external_ref", flat=True)) == ["A1"]


@pytest.mark.parametrize(
    "body, detail",
    [
        ("order_ref,warehouse\nA1,BER\n", "Missing column(s): customer_name"),
        (CSV_HEADER, "The file has no rows."),
        ("[{}]", "Missing column(s)"),
    ],
)
def test_a_file_that_could_never_import_is_refused_at_once(
    shop, django_capture_on_commit_callbacks, body, detail
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = shop.post("/api/v1/orders/import/", body, content_type="text/csv")
    assert response.status_code == 422 and queued == []
    assert response.json()["errors"][0]["field"] == "file"
    assert detail in response.json()["detail"]
