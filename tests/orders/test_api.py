"""Orders and returns API: partner scoping, validation, duplicates, idempotency, actions, CSV."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import IdempotencyRecord
from core.roles import Role
from inventory.models import Reservation
from orders.models import CustomerOrder, Return

pytestmark = pytest.mark.django_db


def _later(hours):
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def payload(**overrides):
    body = {
        "external_ref": "SHOP-1001",
        "warehouse": "BER",
        "customer": {"name": "Clara", "email": "clara@example.com", "phone": "+49 30 1"},
        "address": "Torstraße 1, 10119 Berlin",
        "latitude": "52.529",
        "longitude": "13.401",
        "window_start": _later(2),
        "window_end": _later(4),
        "required_skills": ["refrigerated"],
        "lines": [{"product": "TEA-001", "quantity": 2, "unit_price": "3.50"}],
    }
    body.update(overrides)
    return body


@pytest.fixture
def shop(partner_api, stocked):
    return partner_api(scopes=["orders:read", "orders:write"])


def test_partner_creates_an_order_and_sees_only_read_only_fields_set_by_us(shop):
    body = payload(status="delivered", tracking_token="mine", reference="ORD-1", partner=99)
    response = shop.post("/api/v1/orders/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "new"
    assert data["reference"].startswith("ORD-")
    assert data["tracking_token"] != "mine"
    assert data["lines"][0]["quantity_reserved"] == 0
    assert data["window_start"].endswith(("+01:00", "+02:00"))  # shown in Berlin time
    order = CustomerOrder.objects.get()
    assert order.partner == shop.partner
    assert order.required_skills == ["refrigerated"]


def test_duplicate_external_ref_answers_409_naming_the_existing_order(shop):
    first = shop.post("/api/v1/orders/", payload(), format="json").json()
    response = shop.post("/api/v1/orders/", payload(), format="json")
    assert response.status_code == 409
    assert response.json()["existing_reference"] == first["reference"]
    assert CustomerOrder.objects.count() == 1


def test_another_partner_may_reuse_the_external_ref_but_never_sees_the_order(shop, partner_api):
    mine = shop.post("/api/v1/orders/", payload(), format="json").json()["reference"]
    other = partner_api(scopes=["orders:read", "orders:write"])
    assert other.post("/api/v1/orders/", payload(), format="json").status_code == 201
    for url in (f"/api/v1/orders/{mine}/", f"/api/v1/orders/{mine}/confirm/"):
        call = other.get if url.endswith(f"{mine}/") else other.post
        assert call(url).status_code == 404
    listed = other.get("/api/v1/orders/").json()["results"]
    assert [o["reference"] for o in listed] != [mine]
    assert len(listed) == 1
    assert CustomerOrder.objects.get(reference=mine).status == "new"


def test_idempotency_key_replays_the_creation(shop):
    headers = {"HTTP_IDEMPOTENCY_KEY": "abc-1"}
    body = payload()
    first = shop.post("/api/v1/orders/", body, format="json", **headers)
    again = shop.post("/api/v1/orders/", body, format="json", **headers)
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["reference"] == first.json()["reference"]
    assert CustomerOrder.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"latitude": "0", "longitude": "0"}, 422, "latitude"),
        ({"latitude": "95", "longitude": "13"}, 422, "latitude"),
        ({"latitude": "52.5", "longitude": None}, 422, "longitude"),
        ({"window_end": _later(-30)}, 422, "window_end"),
        ({"window_start": _later(5), "window_end": _later(4)}, 422, "window_end"),
        ({"window_start": "tomorrow"}, 422, "window_start"),
        ({"lines": [{"product": "NOPE", "quantity": 1}]}, 422, "lines[0].product"),
        ({"lines": [{"product": "TEA-001", "quantity": 0}]}, 422, "lines[0].quantity"),
        ({"lines": []}, 422, "lines"),
        ({"warehouse": "XXX"}, 422, "warehouse"),
        # The schema refuses these (an enum, a required field): 400, as everywhere.
        ({"required_skills": ["flying"]}, 400, "required_skills[0]"),
        ({"customer": {}}, 400, "customer.name"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(shop, overrides, status, field):
    response = shop.post("/api/v1/orders/", payload(**overrides), format="json")
    assert response.status_code == status, response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not CustomerOrder.objects.exists()


def test_naive_times_are_read_in_the_warehouse_time_zone(shop):
    tomorrow = (timezone.now() + timedelta(days=1)).date()
    body = payload(window_start=f"{tomorrow}T10:00", window_end=f"{tomorrow}T12:00")
    assert shop.post("/api/v1/orders/", body, format="json").status_code == 201
    order = CustomerOrder.objects.get()
    local = timezone.localtime(order.window_start, order.warehouse.tzinfo)
    assert (local.hour, local.minute) == (10, 0)


def test_confirm_short_stock_is_409_with_shortfall_and_nothing_reserved(shop):
    body = payload(
        lines=[{"product": "TEA-001", "quantity": 2}, {"product": "KET-001", "quantity": 9}]
    )
    ref = shop.post("/api/v1/orders/", body, format="json").json()["reference"]
    response = shop.post(f"/api/v1/orders/{ref}/confirm/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["shortfall"][0]["product"] == "KET-001"
    assert response.json()["errors"][0]["field"] == "lines[1].quantity"
    assert not Reservation.objects.exists()
    partial = shop.post(f"/api/v1/orders/{ref}/confirm/", {"allow_partial": True}, format="json")
    assert partial.status_code == 200
    assert partial.json()["is_partial"] is True


def test_confirm_cancel_and_the_409_for_cancelling_twice(shop):
    ref = shop.post("/api/v1/orders/", payload(), format="json").json()["reference"]
    assert shop.post(f"/api/v1/orders/{ref}/confirm/").json()["status"] == "confirmed"
    assert Reservation.objects.filter(state="reserved").count() == 1
    cancelled = shop.post(f"/api/v1/orders/{ref}/cancel/", {"reason": "Oops"}, format="json")
    assert cancelled.json()["status"] == "cancelled"
    assert not Reservation.objects.filter(state="reserved").exists()
    again = shop.post(f"/api/v1/orders/{ref}/cancel/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["current_state"] == "cancelled"


def test_reschedule_through_the_api(shop):
    ref = shop.post("/api/v1/orders/", payload(), format="json").json()["reference"]
    body = {"window_start": _later(30), "window_end": _later(32), "reason": "Customer asked"}
    response = shop.post(f"/api/v1/orders/{ref}/reschedule/", body, format="json")
    assert response.status_code == 200
    assert response.json()["events"][-1]["type"] == "rescheduled"


def test_scopes_and_roles(partner_api, staff_api, stocked):
    reader = partner_api(scopes=["orders:read"])
    assert reader.get("/api/v1/orders/").status_code == 200
    assert reader.post("/api/v1/orders/", payload(), format="json").status_code == 403
    assert partner_api(scopes=["stock:read"]).get("/api/v1/orders/").status_code == 403
    assert staff_api(Role.PURCHASING).get("/api/v1/orders/").status_code == 403
    dispatcher = staff_api(Role.DISPATCHER)
    assert dispatcher.post("/api/v1/orders/", payload(), format="json").status_code == 201
    assert CustomerOrder.objects.get().partner is None


def test_list_filters_and_query_count(shop, django_assert_max_num_queries):
    for i in range(5):
        shop.post("/api/v1/orders/", payload(external_ref=f"R{i}"), format="json")
    with django_assert_max_num_queries(10):
        response = shop.get("/api/v1/orders/?status=new&warehouse=BER")
    assert len(response.json()["results"]) == 5
    today = timezone.localtime(CustomerOrder.objects.first().window_start).date()
    assert shop.get(f"/api/v1/orders/?date={today}").status_code == 200
    bad = shop.get("/api/v1/orders/?date=yesterday")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "date"
    assert shop.get("/api/v1/orders/?status=delivered").json()["results"] == []


def test_returns_api_scoped_and_policy_checked(shop, partner_api, staff_api, returns_location):
    from orders.services import (
        order_confirm,
        order_deliver,
        order_out_for_delivery,
        order_pack,
        order_pick,
        order_plan,
    )

    ref = shop.post("/api/v1/orders/", payload(), format="json").json()["reference"]
    order = CustomerOrder.objects.get(reference=ref)
    for step in (order_confirm, order_pick, order_pack, order_plan, order_out_for_delivery):
        order = step(order=order)
    order = order_deliver(order=order)
    line = order.lines.get()
    body = {"order": ref, "lines": [{"order_line": line.pk, "quantity": 5, "reason": "defective"}]}
    too_many = shop.post("/api/v1/returns/", body, format="json")
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "lines[0].quantity"
    other = partner_api(scopes=["orders:read", "orders:write"])
    body["lines"][0]["quantity"] = 1
    assert other.post("/api/v1/returns/", body, format="json").status_code == 422
    created = shop.post("/api/v1/returns/", body, format="json")
    assert created.status_code == 201
    rma = created.json()["reference"]
    assert created.json()["status"] == "approved"
    assert other.get(f"/api/v1/returns/{rma}/").status_code == 404
    assert other.get("/api/v1/returns/").json()["results"] == []
    receive = {"conditions": {str(line.pk): "good"}}
    assert shop.post(f"/api/v1/returns/{rma}/receive/", receive, format="json").status_code == 403
    received = staff_api(Role.WAREHOUSE).post(
        f"/api/v1/returns/{rma}/receive/", receive, format="json"
    )
    assert received.status_code == 200, received.json()
    assert received.json()["refund_amount"] == "3.50"
    assert Return.objects.get().status == "received"
