"""A partner key refused for a missing scope is told which scope: in `detail`, in the
problem's `errors` and as `required_scope`."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_missing_scope_is_named_in_the_problem(partner_api):
    response = partner_api(scopes=["orders:read"]).post("/api/v1/orders/", {}, format="json")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["detail"] == "This API key lacks the 'orders:write' scope."
    assert body["errors"] == [
        {"field": "scope", "code": "missing_scope", "message": body["detail"]}
    ]
    assert body["required_scope"] == "orders:write"


def test_an_endpoint_closed_to_partners_says_so(partner_api):
    response = partner_api().get("/api/v1/kpis/")
    assert response.status_code == 403
    assert "scope" not in response.json()["detail"]
