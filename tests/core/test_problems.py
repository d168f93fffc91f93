import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]

PROBLEM_KEYS = {"type", "title", "status", "detail", "errors"}


def test_validation_error_is_a_400_problem_with_field_errors(staff_api):
    response = staff_api().post("/api/test/events/", {"quantity": 0, "sku": "TOOLONG"}, "json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == 400
    fields = {e["field"]: e for e in body["errors"]}
    assert set(fields) == {"quantity", "sku"}
    assert fields["quantity"]["code"] == "min_value"
    assert "5 characters" in fields["sku"]["message"]


def test_not_found_is_a_404_problem(staff_api):
    response = staff_api().get("/api/test/missing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "Order ORD-1 does not exist."


def test_unknown_api_url_is_a_404_problem(staff_api):
    response = staff_api().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_invalid_transition_is_a_409_naming_current_and_allowed_states(staff_api):
    response = staff_api().post("/api/test/transition/", {}, "json")
    assert response.status_code == 409
    body = response.json()
    assert body["current_state"] == "delivered"
    assert body["allowed_states"] == []
    assert body["errors"][0]["field"] == "status"
    assert "delivered" in body["detail"]


def test_unauthenticated_api_call_is_a_401_problem(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/problem+json"


def test_list_item_errors_keep_their_row_number():
    from rest_framework import serializers

    from core.problems import flatten_errors

    class Line(serializers.Serializer):
        quantity = serializers.IntegerField(min_value=1)

    class Order(serializers.Serializer):
        lines = Line(many=True)

    s = Order(data={"lines": [{"quantity": 2}, {"quantity": 0}]})
    assert not s.is_valid()
    fields = [e["field"] for e in flatten_errors(s.errors)]
    assert fields == ["lines[1].quantity"]
