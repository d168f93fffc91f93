"""Routing API: dispatchers only; partners get 403; bad input answers problem details."""

import pytest

from core.roles import Role
from routing.models import Stop

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(staff_api):
    return staff_api(Role.DISPATCHER)


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Jobs are sent to Celery on commit; run them (eagerly) when the request commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _create_body(plan_date, depot, orders, shifts, **extra):
    return {
        "date": plan_date.isoformat(),
        "depots": [depot.code],
        "orders": [o.reference for o in orders],
        "shifts": [s.pk for s in shifts],
        "time_limit_s": 1,
        **extra,
    }


def test_a_dispatcher_creates_optimises_and_reads_a_plan(
    api, run_jobs, make_order, make_shift, plan_date, depot
):
    orders = [make_order(n) for n in range(5)]
    shifts = [make_shift("VAN1"), make_shift("VAN2")]
    created = api.post(
        "/api/v1/plans/", _create_body(plan_date, depot, orders, shifts), format="json"
    )
    assert created.status_code == 201, created.json()
    ref = created.json()["reference"]
    assert created.json()["status"] == "draft" and len(created.json()["orders"]) == 5

    with run_jobs():
        started = api.post(f"/api/v1/plans/{ref}/optimize/", {"time_limit_s": 0.5}, format="json")
    assert started.status_code == 202, started.json()
    job_id = started.json()["id"]
    polled = api.get(f"/api/v1/jobs/{job_id}/").json()
    assert polled["status"] == "succeeded" and polled["progress_pct"] == 100
    assert polled["engine"] and polled["best_cost"] > 0 and polled["unassigned"] == []

    routes = api.get(f"/api/v1/routes/?plan={ref}").json()["results"]
    assert routes and sum(r["stop_count"] for r in routes) == 5
    route = routes[0]
    assert set(route["load_pct"]) == {"weight", "volume", "units"}
    stops = api.get(f"/api/v1/routes/{route['id']}/stops/").json()
    assert [s["sequence"] for s in stops] == list(range(1, len(stops) + 1))
    assert stops[0]["order"] in {o.reference for o in orders}
    assert api.get(f"/api/v1/plans/{ref}/").json()["status"] == "ready"

    with run_jobs():  # publishing is queued too (tests/routing/test_publish_background.py)
        published = api.post(f"/api/v1/plans/{ref}/publish/", format="json")
    assert published.status_code == 202 and published.json()["status"] == "queued"
    assert api.get(published["Location"]).json()["status"] == "published"
    assert api.get(f"/api/v1/plans/{ref}/").json()["status"] == "published"


def test_plan_creation_names_the_bad_fields(api, make_order, plan_date, depot):
    order = make_order(1)
    body = _create_body(plan_date, depot, [order], [])
    unknown = api.post("/api/v1/plans/", {**body, "depots": ["NOPE"]}, format="json")
    assert unknown.status_code == 400
    assert unknown["Content-Type"].startswith("application/problem+json")
    assert unknown.json()["errors"][0]["field"] == "depots"
    missing = api.post("/api/v1/plans/", {**body, "orders": ["ORD-X"]}, format="json")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "orders"
    zero = api.post("/api/v1/plans/", {**body, "time_limit_s": 0}, format="json")
    assert zero.status_code == 422 and zero.json()["errors"][0]["field"] == "time_limit_s"
    bad_date = api.post("/api/v1/plans/", {**body, "date": "yesterday"}, format="json")
    assert bad_date.status_code == 400 and bad_date.json()["errors"][0]["field"] == "date"


def test_optimising_without_vehicles_or_with_a_bad_time_limit_is_refused(api, make_plan):
    plan = make_plan(orders=2, vehicles=0)
    no_vans = api.post(f"/api/v1/plans/{plan.reference}/optimize/", {}, format="json")
    assert no_vans.status_code == 422 and no_vans.json()["errors"][0]["field"] == "shifts"
    plan = make_plan(orders=1, vehicles=1)
    for limit in (0, -1):
        r = api.post(
            f"/api/v1/plans/{plan.reference}/optimize/", {"time_limit_s": limit}, format="json"
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "time_limit_s"
    r = api.post(f"/api/v1/plans/{plan.reference}/optimize/", {"kind": "fast"}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "kind"


def test_a_job_result_names_unplannable_orders(api, run_jobs, make_plan, make_order):
    plan = make_plan(orders=1, vehicles=1)
    lost = make_order(9, latitude=None, longitude=None)
    plan.orders.add(lost)
    with run_jobs():
        job = api.post(f"/api/v1/plans/{plan.reference}/optimize/", {}, format="json").json()
    body = api.get(f"/api/v1/jobs/{job['id']}/").json()
    assert body["status"] == "succeeded"
    assert body["unassigned"] == [{"order": lost.reference, "reason": "no coordinates"}]


def test_cancelling_a_finished_job_answers_409_with_the_state(api, optimised_plan):
    job = optimised_plan(orders=1, vehicles=1).jobs.get()
    r = api.post(f"/api/v1/jobs/{job.pk}/cancel/", format="json")
    assert r.status_code == 409
    assert r.json()["current_state"] == "succeeded"


def test_starting_is_idempotent_with_a_key(api, make_plan):
    plan = make_plan(orders=2, vehicles=1)
    url = f"/api/v1/plans/{plan.reference}/optimize/"
    first = api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert plan.jobs.count() == 1


def test_moving_a_stop_by_api_with_a_dry_run_first(api, optimised_plan):
    plan = optimised_plan(orders=3, vehicles=1)
    route = plan.routes.get()
    last = route.stops.order_by("sequence").last()
    url = f"/api/v1/stops/{last.pk}/move/"
    check = api.post(url, {"route": route.pk, "position": 1, "dry_run": True}, format="json")
    assert check.status_code == 200
    body = check.json()
    assert body["feasible"] is True and body["reasons"] == []
    assert body["routes"][route.vehicle.code][0]["order"] == last.order.reference
    assert Stop.objects.get(pk=last.pk).sequence == 3  # a dry run writes nothing
    moved = api.post(url, {"route": route.pk, "position": 1}, format="json")
    assert moved.status_code == 200 and moved.json()["sequence"] == 1
    bad = api.post(url, {"route": route.pk, "position": 9}, format="json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "position"
    unknown = api.post(url, {"route": 999999, "position": 1}, format="json")
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "route"


def test_an_infeasible_move_answers_422_with_the_reasons(api, optimize, make_plan, make_order):
    early, late = make_order(1, window=(8, 9)), make_order(2, window=(17, 18))
    plan = make_plan(orders=0, vehicles=1)
    plan.orders.add(early, late)
    optimize(plan)
    route = plan.routes.get()
    first = route.stops.get(order=early)
    r = api.post(
        f"/api/v1/stops/{first.pk}/move/", {"route": route.pk, "position": 2}, format="json"
    )
    assert r.status_code == 422, r.json()
    errors = r.json()["errors"]
    assert errors and all(e["code"] == "infeasible" for e in errors)
    assert early.reference in errors[0]["message"] and "08:00 to 09:00" in errors[0]["message"]
    assert Stop.objects.get(pk=first.pk).sequence == 1


def test_locking_a_route_by_api(api, optimised_plan):
    route = optimised_plan(orders=2, vehicles=1).routes.get()
    r = api.post(f"/api/v1/routes/{route.pk}/lock/", {"is_locked": True}, format="json")
    assert r.status_code == 200 and r.json()["is_locked"] is True
    r = api.post(f"/api/v1/routes/{route.pk}/lock/", {}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "is_locked"


@pytest.mark.parametrize("role", [Role.WAREHOUSE, Role.DRIVER, Role.PURCHASING])
def test_other_staff_roles_are_refused(staff_api, role, optimised_plan):
    plan = optimised_plan(orders=1, vehicles=1)
    client = staff_api(role)
    assert client.get("/api/v1/plans/").status_code == 403
    assert client.get(f"/api/v1/routes/?plan={plan.reference}").status_code == 403
    assert client.post(f"/api/v1/plans/{plan.reference}/optimize/", {}).status_code == 403


def test_partner_keys_cannot_reach_routing_even_with_route_scopes(partner_api, optimised_plan):
    plan = optimised_plan(orders=1, vehicles=1)
    route = plan.routes.get()
    client = partner_api(scopes=["routes:read", "routes:write"])
    for url in (
        "/api/v1/plans/",
        f"/api/v1/plans/{plan.reference}/",
        "/api/v1/routes/",
        f"/api/v1/routes/{route.pk}/stops/",
        f"/api/v1/jobs/{plan.jobs.get().pk}/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/api/v1/plans/{plan.reference}/optimize/", {}).status_code == 403


def test_anonymous_callers_are_refused(api_client, optimised_plan):
    plan = optimised_plan(orders=1, vehicles=1)
    assert api_client.get(f"/api/v1/plans/{plan.reference}/").status_code in (401, 403)


def test_route_list_query_count_is_bounded(api, optimised_plan, django_assert_max_num_queries):
    plan = optimised_plan(orders=8, vehicles=3)
    with django_assert_max_num_queries(12):
        r = api.get(f"/api/v1/routes/?plan={plan.reference}")
    assert r.status_code == 200


def test_plans_and_routes_filter_by_day_and_plan_and_refuse_a_bad_date(
    api, optimised_plan, plan_date
):
    plan = optimised_plan(orders=2, vehicles=1)
    other_day = plan_date.replace(year=plan_date.year + 1).isoformat()
    plans = api.get("/api/v1/plans/", {"date": plan_date.isoformat()}).json()["results"]
    assert [p["reference"] for p in plans] == [plan.reference]
    assert api.get("/api/v1/plans/", {"date": other_day}).json()["results"] == []
    routes = api.get("/api/v1/routes/", {"plan": plan.reference, "date": plan_date.isoformat()})
    assert len(routes.json()["results"]) == 1
    assert api.get("/api/v1/routes/", {"date": other_day}).json()["results"] == []
    for url in ("/api/v1/plans/", "/api/v1/routes/"):
        bad = api.get(url, {"date": "tomorrow"})
        assert bad.status_code == 400
        assert [e["field"] for e in bad.json()["errors"]] == ["date"]
