"""POST /api/v1/routes/{id}/insert/ on PostgreSQL."""

from __future__ import annotations

import pytest

from core.roles import Role
from orders.models import OrderEvent, OrderStatus
from routing.models import Route, Stop
from tests.dispatch.scenario import build_day
from tests.routing.test_insertion_services import new_order
from tracking.services import route_etas_refresh


@pytest.fixture(autouse=True)
def _pinned_clock():
    from tracking import clock

    clock._local["read_at"] = -1e9
    yield
    clock.clock_reset()


def url(route) -> str:
    return f"/api/v1/routes/{route.pk}/insert/"


@pytest.mark.django_db
def test_dry_run_previews_with_etas_and_writes_nothing(staff_api, django_assert_max_num_queries):
    day = build_day(routes=1, stops=8, started=0, now_hour=7.0)
    route = day.routes[0]
    route_etas_refresh(route_id=route.pk, now=day.now)  # the ETAs the customers were told
    order = new_order(day, near=(0, 2.0), window=(8, 9))  # before the first stop
    api = staff_api(Role.DISPATCHER)
    stops_before = list(Stop.objects.values_list("pk", "sequence", "planned_arrival"))
    events_before = OrderEvent.objects.count()
    with django_assert_max_num_queries(60):
        response = api.post(url(route), {"order": order.reference, "dry_run": True}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["feasible"] is True and body["position"] == 1
    assert body["added_distance_m"] >= 0 and float(body["added_cost"]) >= 0
    new = [s for s in body["stops"] if s["is_new"]]
    assert len(new) == 1 and new[0]["order"] == order.reference and new[0]["eta_after"]
    moved = [s for s in body["stops"] if not s["is_new"] and s["sequence"] > body["position"]]
    assert len(moved) == 8 and all(s["eta_before"] and s["eta_after"] for s in moved)
    assert all(s["delay_s"] >= 0 for s in moved)
    assert list(Stop.objects.values_list("pk", "sequence", "planned_arrival")) == stops_before
    assert OrderEvent.objects.count() == events_before
    order.refresh_from_db()
    assert order.status == OrderStatus.PACKED


@pytest.mark.django_db
def test_insert_writes_the_stop_and_replays_with_the_same_key(staff_api):
    day = build_day(routes=1, stops=4, started=0, now_hour=7.0)
    route = day.routes[0]
    order = new_order(day, near=(0, 4.5))
    api = staff_api(Role.DISPATCHER)
    body = {"order": order.reference, "dry_run": False}
    first = api.post(url(route), body, format="json", HTTP_IDEMPOTENCY_KEY="ins-1")
    assert first.status_code == 201, first.content
    assert first.json()["stop"]["order"] == order.reference
    again = api.post(url(route), body, format="json", HTTP_IDEMPOTENCY_KEY="ins-1")
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert Stop.objects.filter(order=order).count() == 1
    twice = api.post(url(route), body, format="json")
    assert twice.status_code == 409
    assert twice.json()["errors"][0]["field"] == "order"


@pytest.mark.django_db
def test_statuses_name_the_problem(staff_api):
    day = build_day(routes=1, stops=6, delivered=2, now_hour=10.0)
    route = day.routes[0]
    api = staff_api(Role.DISPATCHER)
    assert (
        api.post("/api/v1/routes/999999/insert/", {"order": "X"}, format="json").status_code == 404
    )
    unknown = api.post(url(route), {"order": "ORD-0000-000000"}, format="json")
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "order"
    missing = api.post(url(route), {"dry_run": True}, format="json")
    assert missing.status_code == 400 and "order" in str(missing.json())
    frozen = new_order(day, ref="ORD-2026-800020", required_skills=["frozen"])
    refused = api.post(url(route), {"order": frozen.reference}, format="json")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "skill_missing"
    dry = api.post(url(route), {"order": frozen.reference, "dry_run": True}, format="json")
    assert dry.status_code == 200 and dry.json()["reason"] == "skill_missing"
    # Due within the hour: only ahead of the stops out for delivery.
    urgent = new_order(day, ref="ORD-2026-800021", near=(0, 5.3), window=(10, 11))
    ofd = api.post(url(route), {"order": urgent.reference}, format="json")
    assert ofd.status_code == 409
    assert ofd.json()["errors"][0]["field"] == "override"
    no_reason = api.post(url(route), {"order": urgent.reference, "override": True}, format="json")
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    ok = api.post(
        url(route),
        {"order": urgent.reference, "override": True, "reason": "Medication, due at 11"},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    note = OrderEvent.objects.filter(order=urgent, data__action="out_for_delivery_override").get()
    assert "Medication" in note.message
    Route.objects.filter(pk=route.pk).update(status=Route.Status.COMPLETED)
    late = new_order(day, ref="ORD-2026-800022")
    done = api.post(url(route), {"order": late.reference}, format="json")
    assert done.status_code == 409 and done.json()["errors"][0]["field"] == "route"


@pytest.mark.django_db
def test_only_dispatchers_may_insert(staff_api, partner_api):
    day = build_day(routes=1, stops=2, started=0, now_hour=7.0)
    order = new_order(day)
    body = {"order": order.reference, "dry_run": True}
    assert (
        staff_api(Role.WAREHOUSE).post(url(day.routes[0]), body, format="json").status_code == 403
    )
    assert partner_api().post(url(day.routes[0]), body, format="json").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"order": 123, "dry_run": True}, "order"),
        ({"order": "ORD-1", "dry_run": "maybe"}, "dry_run"),
        ({"order": "ORD-1", "override": 2}, "override"),
        ({"order": "ORD-1", "override": True, "reason": "x" * 301}, "reason"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(staff_api, body, field):
    day = build_day(routes=1, stops=1, started=0, now_hour=7.0)
    response = staff_api(Role.DISPATCHER).post(url(day.routes[0]), body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]
