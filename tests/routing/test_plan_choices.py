"""Planning screen and API choices: several depots in one plan, the optimiser engine, and
pickups shown as pickups to dispatchers and drivers."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.roles import Role
from inventory.selectors.stock import warehouse_today
from orders.models import OrderStatus
from orders.services import return_request
from routing import services
from routing.models import Engine, JobStatus, Plan, Stop
from tests.factories import (
    CustomerOrderFactory,
    DriverFactory,
    OrderLineFactory,
    ShiftFactory,
    VehicleFactory,
    WarehouseFactory,
)
from tests.routing.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, dispatcher):
    client.force_login(dispatcher)
    return client


@pytest.fixture
def hamburg(db):
    return WarehouseFactory(
        code="HAM1", latitude=Decimal("53.550000"), longitude=Decimal("9.990000")
    )


def _hamburg_day(hamburg, product, plan_date):
    orders = []
    for n in range(2):
        order = CustomerOrderFactory(
            warehouse=hamburg,
            latitude=Decimal("53.560000") + Decimal(n) / 100,
            longitude=Decimal("10.000000"),
            window_start=at(plan_date, 8),
            window_end=at(plan_date, 18),
            service_time_s=300,
        )
        OrderLineFactory(order=order, product=product, quantity=1)
        orders.append(order)
    shift = ShiftFactory(vehicle=VehicleFactory(code="HVAN1", depot=hamburg), date=plan_date)
    return orders, shift


def test_a_dispatcher_plans_two_depots_at_once_and_sees_routes_by_depot(
    page,
    depot,
    hamburg,
    product,
    plan_date,
    make_order,
    make_shift,
    django_capture_on_commit_callbacks,
):
    berlin_orders = [make_order(n) for n in range(2)]
    berlin_shift = make_shift("VAN1")
    hamburg_orders, hamburg_shift = _hamburg_day(hamburg, product, plan_date)
    url = f"/routing/plans/new/?date={plan_date}&depot={depot.pk}&depot={hamburg.pk}"

    html = page.get(url).content.decode()

    for o in berlin_orders + hamburg_orders:
        assert o.reference in html
    assert "VAN1" in html and "HVAN1" in html
    r = page.post(
        url,
        {
            "date": plan_date,
            "depot": [depot.pk, hamburg.pk],
            "orders": [o.pk for o in berlin_orders + hamburg_orders],
            "shifts": [berlin_shift.pk, hamburg_shift.pk],
            "time_limit_s": 1,
            "engine": "auto",
        },
    )
    plan = Plan.objects.get()
    assert r.status_code == 302
    assert {d.code for d in plan.depots.all()} == {"BER1", "HAM1"}
    with django_capture_on_commit_callbacks(execute=True):
        page.post(f"/routing/plans/{plan.reference}/optimize/", {"time_limit_s": 1})
    plan.refresh_from_db()
    assert plan.status == "ready" and plan.unassigned == []

    html = page.get(f"/routing/plans/{plan.reference}/").content.decode()

    assert 'id="depot-BER1"' in html and 'id="depot-HAM1"' in html
    berlin, hamburg_part = html.split('id="depot-HAM1"')
    assert "VAN1 " in berlin.split('id="depot-BER1"')[1] and "HVAN1" in hamburg_part
    assert all(o.reference in hamburg_part for o in hamburg_orders)


def test_the_new_plan_form_needs_a_depot(page, plan_date):
    r = page.get(f"/routing/plans/new/?date={plan_date}")
    assert r.status_code == 200 and r.context["filters"].errors["depot"]


def test_optimising_with_vroom_from_the_page_shows_the_engine(
    page, make_plan, django_capture_on_commit_callbacks
):
    plan = make_plan(orders=3, vehicles=1)
    with django_capture_on_commit_callbacks(execute=True):
        page.post(
            f"/routing/plans/{plan.reference}/optimize/", {"time_limit_s": 1, "engine": "vroom"}
        )
    job = plan.jobs.get()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.requested_engine == Engine.VROOM and job.engine.startswith("vroom")
    html = page.get(f"/routing/plans/{plan.reference}/").content.decode()
    assert f'<strong id="solution-engine">{job.engine}</strong>' in html
    assert "asked for VROOM" in html


def test_an_unknown_engine_from_the_page_is_refused_with_a_message(page, make_plan):
    plan = make_plan(orders=1, vehicles=1)
    r = page.post(
        f"/routing/plans/{plan.reference}/optimize/",
        {"time_limit_s": 1, "engine": "fast"},
        follow=True,
    )
    assert "not one of the available choices" in r.content.decode()
    assert not plan.jobs.exists()


def test_the_api_runs_the_engine_asked_for(
    staff_api, make_plan, django_capture_on_commit_callbacks
):
    plan = make_plan(orders=2, vehicles=1)
    api = staff_api(Role.DISPATCHER)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(
            f"/api/v1/plans/{plan.reference}/optimize/",
            {"engine": "vroom", "time_limit_s": 1},
            format="json",
        )
    assert r.status_code == 202 and r.json()["requested_engine"] == "vroom"
    job = api.get(f"/api/v1/jobs/{r.json()['id']}/").json()
    assert job["status"] == "succeeded" and job["engine"].startswith("vroom")


def test_the_api_names_a_bad_engine(staff_api, make_plan):
    plan = make_plan(orders=1, vehicles=1)
    r = staff_api(Role.DISPATCHER).post(
        f"/api/v1/plans/{plan.reference}/optimize/", {"engine": "fastest"}, format="json"
    )
    assert r.status_code == 400
    assert [e["field"] for e in r.json()["errors"]] == ["engine"]
    assert not plan.jobs.exists()


def test_an_engine_that_cannot_model_the_plan_fails_the_job_with_the_reason(
    optimised_plan, optimize
):
    plan = optimised_plan(orders=3, vehicles=1)
    reached = Stop.objects.filter(plan=plan).order_by("sequence").first()
    services.stop_status_set(stop=reached, status="arrived")

    job = optimize(plan, kind="reoptimize", engine="pyvrp")

    assert job.status == JobStatus.FAILED
    assert "engine" in job.error and "pyvrp cannot represent this problem" in job.error
    plan.refresh_from_db()
    assert plan.status == "ready" and plan.routes.count() == 1  # the routes stay as they were


@pytest.fixture
def pickup_route(depot, product, make_shift, driver_user, optimize):
    order = CustomerOrderFactory(
        warehouse=depot,
        status=OrderStatus.DELIVERED,
        delivered_at=timezone.now() - dt.timedelta(days=1),
        latitude=Decimal("52.530000"),
        longitude=Decimal("13.380000"),
    )
    line = OrderLineFactory(
        order=order,
        product=product,
        quantity=2,
        quantity_reserved=2,
        quantity_picked=2,
        quantity_delivered=2,
    )
    ret = return_request(
        order=order,
        lines=[{"order_line": line, "quantity": 2, "reason": "defective"}],
        channel="dispatcher",
    )
    today = warehouse_today(depot)  # the driver app shows the depot's today
    van = make_shift("VAN1", driver=DriverFactory(user=driver_user), date=today)
    plan = services.plan_create(date=today, depots=[depot], orders=[], shifts=[van])
    optimize(plan)
    services.plan_publish(plan=plan)
    return plan, ret


def test_the_plan_page_and_route_sheet_show_a_pickup(page, pickup_route):
    plan, ret = pickup_route
    html = page.get(f"/routing/plans/{plan.reference}/").content.decode()
    assert '<span class="badge pickup">Pickup</span> ' + ret.reference in html
    assert "collect 2 \u00d7 BOX-10" in html
    route = plan.routes.get()
    sheet = page.get(f"/routing/routes/{route.pk}/sheet/").content.decode()
    assert f"<strong>PICKUP</strong> {ret.reference}" in sheet
    rows = page.get(f"/routing/plans/{plan.reference}/export.csv").content.decode().splitlines()
    assert rows[0].endswith(",kind,return")
    assert any(r.endswith(f",pickup,{ret.reference}") for r in rows)


def test_the_driver_sees_a_pickup_and_confirms_it_without_proof(client, driver_user, pickup_route):
    _plan, ret = pickup_route
    client.force_login(driver_user)
    html = client.get("/driver/").content.decode()
    assert "Collect return <strong>" + ret.reference in html
    assert "Confirm pickup" in html and "Record failed pickup" in html
    stop = Stop.objects.get(ret=ret)
    r = client.post(f"/api/v1/driver/stops/{stop.pk}/deliver/", {}, content_type="application/json")
    assert r.status_code == 200, r.content
    ret.refresh_from_db()
    assert ret.status == "at_depot"  # the pickup was the route's only stop: it is complete
    assert "Collected" in client.get("/driver/").content.decode()


def test_the_board_stop_card_shows_a_pickup_without_order_actions(page, pickup_route):
    _plan, ret = pickup_route
    stop = Stop.objects.get(ret=ret)
    html = page.get(f"/dispatch/stops/{stop.pk}/").content.decode()
    assert f'<span class="badge">Pickup</span> {ret.reference}' in html
    assert "2 \u00d7 BOX-10" in html and f"/orders/returns/{ret.reference}/" in html
    assert "Cancel order" not in html and "Reschedule" not in html
    assert "Send the customer the new ETA" not in html
    assert "<dd>any time" in html and "Pickup planned on" in html  # the return's timeline


def test_the_customer_page_says_when_the_return_is_picked_up(client, pickup_route):
    _plan, ret = pickup_route
    stop = Stop.objects.get(ret=ret)
    html = client.get(f"/t/{ret.order.tracking_token}/").content.decode()
    assert f"Pickup of your return {ret.reference}" in html
    assert "We collect it on" in html and "Items to collect" in html
    services.stop_status_set(stop=stop, status="delivered")
    ret.refresh_from_db()
    assert ret.status == "at_depot"  # its route had nothing else to do
    from django.core.cache import cache

    cache.clear()  # the page is cached; the return's own events forget it in production
    html = client.get(f"/t/{ret.order.tracking_token}/").content.decode()
    assert "Back at our warehouse: we are checking the items." in html


def test_the_api_creates_a_two_depot_plan_with_the_returns_to_pick_up(
    staff_api, depot, hamburg, product, plan_date, make_order, make_shift, pickup_route
):
    _plan, ret = pickup_route
    hamburg_orders, hamburg_shift = _hamburg_day(hamburg, product, plan_date)
    api = staff_api(Role.DISPATCHER)
    body = {
        "date": str(plan_date),
        "depots": ["BER1", "HAM1"],
        "orders": [o.reference for o in [make_order(1), *hamburg_orders]],
        "shifts": [make_shift("VAN2").pk, hamburg_shift.pk],
        "engine": "vroom",
    }

    refused = api.post("/api/v1/plans/", {**body, "returns": [ret.reference]}, format="json")
    unknown = api.post("/api/v1/plans/", {**body, "returns": ["RMA-0"]}, format="json")
    created = api.post("/api/v1/plans/", body, format="json")

    # The return is waiting on today's published route, so no other plan may take it.
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "returns"
    assert unknown.status_code == 400 and "returns" in unknown.json()["errors"][0]["field"]
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["depots"] == ["BER1", "HAM1"] and data["engine"] == "vroom"
    assert data["returns"] == []


def test_the_board_marks_a_pickup_on_its_map_and_stop_list(page, pickup_route):
    plan, ret = pickup_route
    day = plan.date.isoformat()
    data = page.get(f"/dispatch/map.json?day={day}").json()
    stops = [s for r in data["routes"] for s in r["stops"]]
    assert [s["pickup"] for s in stops] == [True]
    route = plan.routes.get()
    html = page.get(f"/dispatch/panel/?day={day}&q={ret.order.reference}").content.decode()
    assert f'title="Return pickup">Pickup</span> {ret.order.reference}' in html
    assert route.vehicle.code in html
