"""Product and opening-stock CSV imports over the API run in the background: 202 with the run
and its Location; the run ends with the result or every error by row and column, and nothing
written; the same Idempotency-Key twice imports once; only the caller follows their run."""

import pytest

from core.roles import Role
from inventory.models import Product, StockMove

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(staff_api):
    return staff_api(Role.WAREHOUSE)


def _post(client, path, body, capture, **headers):
    with capture(execute=True):
        response = client.post(path, body, content_type="text/csv", **headers)
    assert response.status_code == 202, response.json()
    assert response["Location"] == response.json()["url"]
    return client.get(response["Location"]).json()


def test_product_import_runs_in_the_background_all_or_nothing(
    api, django_capture_on_commit_callbacks
):
    bad = "sku,name,weight_kg,shelf_life_days\nA-1,Apple,0.2,\nB-1,,x,0\nA-1,Again,1,\n"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post("/api/v1/products/import/", bad, content_type="text/csv")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    run = api.get(response["Location"]).json()
    assert run["status"] == "failed"
    errors = {(e["row"], e["column"]) for e in run["errors"]}
    assert errors == {(3, "weight_kg"), (3, "shelf_life_days"), (4, "sku")}
    assert not Product.objects.exists()

    good = "sku,name,weight_kg,reorder_point\nA-1,Apple,0.2,10\nB-1,Banana,0.15,\n"
    run = _post(api, "/api/v1/products/import/", good, django_capture_on_commit_callbacks)
    assert run["status"] == "done" and run["result"] == {"created": 2, "updated": 0}
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["A-1", "B-1"]


def test_opening_stock_import_reports_every_bad_row_and_writes_nothing(
    api, product, shelf, django_capture_on_commit_callbacks
):
    bad = (
        "warehouse,location,sku,quantity,condition,lot_code,expires_at\n"
        f"BER,A-01-01,{product.sku},5,good,,\n"
        "XXX,A-01-01,TEA-001,5,good,,\n"
        f"BER,Z-99,{product.sku},0,shiny,,2030-13-01\n"
    )
    run = _post(api, "/api/v1/stock/import/", bad, django_capture_on_commit_callbacks)
    assert run["status"] == "failed"
    assert {(e["row"], e["column"]) for e in run["errors"]} == {
        (3, "warehouse"),
        (4, "location"),
        (4, "quantity"),
        (4, "condition"),
        (4, "expires_at"),
    }
    assert not StockMove.objects.exists()
    good = (
        "warehouse,location,sku,quantity,lot_code,expires_at\n"
        f"BER,A-01-01,{product.sku},5,L1,2030-01-01\n"
    )
    run = _post(api, "/api/v1/stock/import/", good, django_capture_on_commit_callbacks)
    assert run["status"] == "done" and run["result"] == {"rows": 1, "units": 5}
    assert StockMove.objects.get().reference == "OPENING"


def test_a_file_that_could_never_import_is_refused_at_once_naming_the_file_or_columns(
    api, django_capture_on_commit_callbacks
):
    garbage = b"\xff\xfe\x00garbage"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = api.post("/api/v1/products/import/", garbage, content_type="text/csv")
        assert response.status_code == 422
        assert response.json()["errors"][0] == {
            "row": None,
            "column": None,
            "field": "file",
            "code": "encoding",
            "message": "The file is not UTF-8 text.",
        }
        response = api.post(
            "/api/v1/products/import/", "name,colour\nx,red\n", content_type="text/csv"
        )
    assert response.status_code == 422 and queued == []
    assert {(e["column"], e["code"]) for e in response.json()["errors"]} == {
        ("sku", "missing_column"),
        ("colour", "invalid"),
    }
    assert "Required column 'sku' is missing." in response.json()["detail"]


def test_the_same_idempotency_key_twice_imports_once(
    api, product, shelf, django_capture_on_commit_callbacks
):
    good = f"warehouse,location,sku,quantity\nBER,A-01-01,{product.sku},5\n"
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                "/api/v1/stock/import/", good, content_type="text/csv", HTTP_IDEMPOTENCY_KEY="k1"
            )
        assert response.status_code == 202 and "/api/v1/stock/import/runs/" in response["Location"]
    assert response["Idempotent-Replayed"] == "true"
    assert StockMove.objects.count() == 1
    assert api.get(response["Location"]).json()["result"] == {"rows": 1, "units": 5}


def test_only_the_caller_follows_the_run_and_a_run_of_the_other_kind_is_not_found(
    api, staff_api, django_capture_on_commit_callbacks
):
    good = "sku,name\nA-1,Apple\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/products/import/", good, content_type="text/csv")
    run_id = response.json()["id"]
    assert staff_api(Role.WAREHOUSE).get(response["Location"]).status_code == 404
    assert api.get(f"/api/v1/stock/import/runs/{run_id}/").status_code == 404
    assert staff_api(Role.DISPATCHER).get(response["Location"]).status_code == 403


def test_a_dispatcher_may_not_import_and_partners_never_may(
    staff_api, partner_api, django_capture_on_commit_callbacks
):
    body = "sku,name\nA-1,Apple\n"
    response = staff_api(Role.DISPATCHER).post(
        "/api/v1/products/import/", body, content_type="text/csv"
    )
    assert response.status_code == 403
    response = partner_api().post("/api/v1/products/import/", body, content_type="text/csv")
    assert response.status_code == 403
    assert not Product.objects.exists()
