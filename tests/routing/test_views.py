"""Dispatcher pages: plan creation, the plan page (map data, tables, progress), edits, CSV."""

import json

import pytest

from routing.models import Plan, Stop

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, dispatcher):
    client.force_login(dispatcher)
    return client


def test_the_plan_page_shows_routes_on_the_map_with_a_bounded_query_count(
    page, optimised_plan, django_assert_max_num_queries
):
    plan = optimised_plan(orders=10, vehicles=3)
    with django_assert_max_num_queries(25):
        r = page.get(f"/routing/plans/{plan.reference}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "leaflet/leaflet.js" in html and "js/routing-map.js" in html
    data = json.loads(r.context["map_data"] and json.dumps(r.context["map_data"]))
    assert data["depots"][0]["code"] == "BER1"
    stops = [s for route in data["routes"] for s in route["stops"]]
    assert len(stops) == 10 and {s["n"] for s in stops} >= {1}
    assert all(route["colour"].startswith("#") for route in data["routes"])
    for route in plan.routes.all():
        assert f'id="route-{route.pk}"' in html
    assert "Every order is on a route." in html


def test_the_page_draws_without_tiles(page, optimised_plan, settings):
    settings.MAP_TILES_URL = ""
    plan = optimised_plan(orders=2, vehicles=1)
    html = page.get(f"/routing/plans/{plan.reference}/").content.decode()
    assert 'data-tiles=""' in html and 'id="plan-map-data"' in html


def test_a_dispatcher_creates_a_plan_from_the_form(page, make_order, make_shift, plan_date, depot):
    orders = [make_order(n) for n in range(3)]
    shift = make_shift("VAN1")
    url = f"/routing/plans/new/?date={plan_date}&depot={depot.pk}"
    r = page.get(url)
    assert r.status_code == 200
    assert all(o.reference in r.content.decode() for o in orders)
    r = page.post(
        url,
        {
            "date": plan_date,
            "depot": depot.pk,
            "orders": [o.pk for o in orders[:2]],
            "shifts": [shift.pk],
            "time_limit_s": 3,
        },
    )
    plan = Plan.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/routing/plans/{plan.reference}/"
    assert plan.orders.count() == 2 and plan.time_limit_s == 3


def test_the_create_form_names_a_bad_time_limit(page, make_order, make_shift, plan_date, depot):
    order, shift = make_order(1), make_shift("VAN1")
    url = f"/routing/plans/new/?date={plan_date}&depot={depot.pk}"
    r = page.post(
        url,
        {"date": plan_date, "depot": depot.pk, "orders": [order.pk], "shifts": [shift.pk],
         "time_limit_s": 0},
    )  # fmt: skip
    assert r.status_code == 400 and r.context["form"].errors["time_limit_s"]
    assert not Plan.objects.exists()


def test_optimising_from_the_page_runs_the_job(page, make_plan, django_capture_on_commit_callbacks):
    plan = make_plan(orders=3, vehicles=1)
    with django_capture_on_commit_callbacks(execute=True):
        r = page.post(f"/routing/plans/{plan.reference}/optimize/", {"time_limit_s": 1})
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "ready" and plan.routes.count() == 1


def test_the_progress_fragment_polls_while_running_and_reloads_when_done(
    page, make_plan, django_capture_on_commit_callbacks
):
    from routing import services

    plan = make_plan(orders=2, vehicles=1)
    with django_capture_on_commit_callbacks(execute=False):
        services.plan_optimize(plan=plan)
    r = page.get(f"/routing/plans/{plan.reference}/progress/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in r.content.decode() and "<progress" in r.content.decode()
    assert "HX-Refresh" not in r
    services.job_execute(job_id=plan.jobs.get().pk)
    r = page.get(f"/routing/plans/{plan.reference}/progress/?watching=1", HTTP_HX_REQUEST="true")
    assert r["HX-Refresh"] == "true" and "Succeeded" in r.content.decode()


def test_a_finished_job_reads_in_stops_distance_and_time_not_the_objective(page, optimised_plan):
    plan = optimised_plan(orders=2, vehicles=1)
    route = plan.routes.get()
    job = plan.jobs.get()
    html = " ".join(page.get(f"/routing/plans/{plan.reference}/").content.decode().split())
    assert f"{route.distance_m / 1000:.1f} km" in html and "2 stops on 1 route," in html
    assert "objective" not in html and "route cost" not in html
    assert f"{job.best_cost:.2f}" not in html
    assert "1 route</p>" in html or "· 1 route" in html  # not "1 routes"


def test_an_unoptimised_plan_does_not_claim_every_order_is_on_a_route(page, make_plan):
    plan = make_plan(orders=2, vehicles=1)
    html = page.get(f"/routing/plans/{plan.reference}/").content.decode()
    assert "Every order is on a route." not in html
    assert "Not optimised yet: no order is on a route." in html and "2 orders · 0 routes" in html


def test_moving_a_stop_from_the_page(page, optimised_plan):
    plan = optimised_plan(orders=3, vehicles=1)
    route = plan.routes.get()
    last = route.stops.order_by("sequence").last()
    r = page.post(
        f"/routing/stops/{last.pk}/move/",
        {"route": route.pk, "position": 1, "check_only": "1"},
        follow=True,
    )
    assert "Feasible" in r.content.decode()
    assert Stop.objects.get(pk=last.pk).sequence == 3
    r = page.post(
        f"/routing/stops/{last.pk}/move/", {"route": route.pk, "position": 1}, follow=True
    )
    assert "moved to route 1, stop 1" in r.content.decode()
    assert Stop.objects.get(pk=last.pk).sequence == 1
    r = page.post(
        f"/routing/stops/{last.pk}/move/", {"route": route.pk, "position": 9}, follow=True
    )
    assert "Position must be between" in r.content.decode()


def test_locking_and_publishing_from_the_page(
    page, optimised_plan, django_capture_on_commit_callbacks
):
    plan = optimised_plan(orders=2, vehicles=1)
    route = plan.routes.get()
    page.post(f"/routing/routes/{route.pk}/lock/", {"is_locked": "1"})
    route.refresh_from_db()
    assert route.is_locked
    with django_capture_on_commit_callbacks(execute=True):  # the publication's task
        page.post(f"/routing/plans/{plan.reference}/publish/")
    r = page.get(f"/routing/plans/{plan.reference}/")
    assert ">Published</span>" in r.content.decode()
    plan.refresh_from_db()
    assert plan.status == "published"


def test_csv_export_and_route_sheets(page, optimised_plan, make_order):
    plan = optimised_plan(orders=3, vehicles=1)
    r = page.get(f"/routing/plans/{plan.reference}/export.csv")
    assert r["Content-Type"].startswith("text/csv")
    rows = r.content.decode().strip().splitlines()
    assert rows[0].startswith("plan,route,vehicle,driver,stop,order")
    assert len(rows) == 4
    route = plan.routes.get()
    sheet = page.get(f"/routing/routes/{route.pk}/sheet/").content.decode()
    assert all(s.order.reference in sheet for s in route.stops.all())
    assert "window.print()" in sheet


@pytest.mark.parametrize("role", ["warehouse", "driver"])
def test_other_roles_get_403(client, user_factory, optimised_plan, role):
    plan = optimised_plan(orders=1, vehicles=1)
    client.force_login(user_factory(role))
    assert client.get(f"/routing/plans/{plan.reference}/").status_code == 403
    assert client.get("/routing/").status_code == 403


def test_anonymous_visitors_go_to_login(client):
    r = client.get("/routing/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
