"""Publish runs in the background: the click answers at once (what would refuse it is refused
in the click), a task plans every routed order, the plan page shows how far it got and reloads
when drivers can see their routes, or says why it failed; a double click publishes once."""

import pytest

from orders.models import CustomerOrder, OrderEvent
from routing import services
from routing.models import Plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, dispatcher):
    client.force_login(dispatcher)
    return client


def _url(plan: Plan, tail: str = "") -> str:
    return f"/routing/plans/{plan.reference}/{tail}"


def test_the_click_answers_at_once_and_the_page_follows_the_publication(
    page, optimised_plan, django_capture_on_commit_callbacks
):
    plan = optimised_plan(orders=4, vehicles=2)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = page.post(_url(plan, "publish/"), follow=True)
        again = page.post(_url(plan, "publish/"), follow=True)
    assert len(queued) == 1  # the second click queued nothing
    plan.refresh_from_db()
    assert plan.status == "ready"
    assert not CustomerOrder.objects.filter(status="planned").exists()
    html = first.content.decode()
    assert "Publishing to drivers" in html and "waiting for a worker" in html
    assert 'hx-trigger="every 1s"' in html
    assert "Publish to drivers</button>" not in html  # no second publish, no re-optimise
    assert "already being published" in again.content.decode()
    poll = page.get(_url(plan, "progress/?watching=1"), HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in poll and "waiting for a worker" in poll.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    plan.refresh_from_db()
    assert plan.status == "published"
    routed = CustomerOrder.objects.filter(route_stops__plan=plan)
    assert routed.count() == 4 and set(routed.values_list("status", flat=True)) == {"planned"}
    poll = page.get(_url(plan, "progress/?watching=1"), HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true"
    html = page.get(_url(plan)).content.decode()
    assert "Publishing to drivers" not in html and ">Published</span>" in html


def test_what_would_refuse_publishing_is_refused_in_the_click(
    page, optimised_plan, django_capture_on_commit_callbacks
):
    plan = optimised_plan(orders=2, vehicles=1)
    order = CustomerOrder.objects.filter(route_stops__plan=plan).order_by("pk").first()
    CustomerOrder.objects.filter(pk=order.pk).update(status="picked")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        r = page.post(_url(plan, "publish/"), follow=True)
    assert queued == []
    html = r.content.decode()
    assert "Orders must be packed before the plan is published" in html
    assert order.reference in html and "Publishing to drivers" not in html


def test_a_publication_that_fails_in_the_task_is_shown_and_the_button_tries_again(
    page, optimised_plan, django_capture_on_commit_callbacks
):
    plan = optimised_plan(orders=3, vehicles=1)
    order = CustomerOrder.objects.filter(route_stops__plan=plan).order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        page.post(_url(plan, "publish/"))
    # Between the click and the task, an order went back to picking.
    CustomerOrder.objects.filter(pk=order.pk).update(status="picked")
    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    plan.refresh_from_db()
    assert plan.status == "ready"  # all or nothing
    assert not CustomerOrder.objects.filter(status="planned").exists()
    poll = page.get(_url(plan, "progress/?watching=1"), HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true"
    html = page.get(_url(plan)).content.decode()
    assert "Publishing failed:" in html and order.reference in html
    assert "Publish to drivers</button>" in html

    CustomerOrder.objects.filter(pk=order.pk).update(status="packed")
    with django_capture_on_commit_callbacks(execute=True):
        page.post(_url(plan, "publish/"))
    plan.refresh_from_db()
    assert plan.status == "published"
    assert "Publishing failed" not in page.get(_url(plan)).content.decode()


def test_the_task_reports_progress_and_publishes_once_when_run_twice(
    optimised_plan, dispatcher, django_capture_on_commit_callbacks, monkeypatch
):
    plan = optimised_plan(orders=12, vehicles=2)
    seen = []
    real = services.publication.plan_publish

    def watched(**kwargs):
        progress = kwargs.pop("progress")

        def report(done, total):
            seen.append((done, total))
            progress(done, total)
            state = services.plan_publication_state(plan=plan)
            assert (state["status"], state["done"], state["total"]) == ("running", done, total)

        return real(progress=report, **kwargs)

    monkeypatch.setattr(services.publication, "plan_publish", watched)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_publish_start(plan=plan, user=dispatcher)
    assert seen == [(10, 12), (12, 12)]
    assert services.plan_publication_state(plan=plan) is None  # done: nothing pending
    planned = OrderEvent.objects.filter(type=OrderEvent.Type.PLANNED, order__route_stops__plan=plan)
    assert planned.count() == 12
    assert planned.filter(user=dispatcher).count() == 12
    # A redelivered task finds the plan published and changes nothing.
    assert services.plan_publish_run(plan_id=plan.pk, user_id=dispatcher.pk) == "published"
    assert planned.count() == 12


# --- the staff API: POST …/publish/ answers 202, GET …/publication/ follows it ------------------


def test_the_api_queues_the_publication_and_answers_where_to_follow_it(
    staff_api, optimised_plan, django_capture_on_commit_callbacks
):
    from core.roles import Role

    api = staff_api(Role.DISPATCHER)
    plan = optimised_plan(orders=3, vehicles=1)
    url = f"/api/v1/plans/{plan.reference}/"
    assert api.get(url + "publication/").status_code == 404  # none asked for yet
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = api.post(url + "publish/", HTTP_IDEMPOTENCY_KEY="pub-1")
        again = api.post(url + "publish/")
        replay = api.post(url + "publish/", HTTP_IDEMPOTENCY_KEY="pub-1")
    assert len(queued) == 1
    assert first.status_code == again.status_code == replay.status_code == 202
    body = first.json()
    assert first["Location"] == body["url"] and body["url"].endswith(url + "publication/")
    assert (body["plan"], body["status"], body["done"]) == (plan.reference, "queued", 0)
    assert replay["Idempotent-Replayed"] == "true" and replay["Location"] == body["url"]
    assert api.get(url).json()["status"] == "ready"

    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    done = api.get(first["Location"]).json()
    assert (done["status"], done["done"], done["total"]) == ("published", 3, 3)
    assert api.get(url).json()["status"] == "published"
    refused = api.post(url + "publish/")  # published already: the lifecycle refuses, at once
    assert refused.status_code == 409 and refused.json()["current_state"] == "published"


def test_the_api_refuses_at_once_and_reports_a_failed_publication(
    staff_api, partner_api, optimised_plan, django_capture_on_commit_callbacks
):
    from core.roles import Role

    api = staff_api(Role.DISPATCHER)
    plan = optimised_plan(orders=2, vehicles=1)
    url = f"/api/v1/plans/{plan.reference}/"
    order = CustomerOrder.objects.filter(route_stops__plan=plan).order_by("pk").first()
    CustomerOrder.objects.filter(pk=order.pk).update(status="picked")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        refused = api.post(url + "publish/")
    assert refused.status_code == 409 and queued == []
    assert refused.json()["errors"][0]["field"] == "orders"
    assert api.get(url + "publication/").status_code == 404

    CustomerOrder.objects.filter(pk=order.pk).update(status="packed")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        accepted = api.post(url + "publish/")
    CustomerOrder.objects.filter(pk=order.pk).update(status="picked")  # before the task runs
    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    failed = api.get(accepted["Location"]).json()
    assert failed["status"] == "failed" and order.reference in failed["detail"]
    assert api.get(url).json()["status"] == "ready"
    assert api.post("/api/v1/plans/PLN-NOPE/publish/").status_code == 404
    partner = partner_api()
    assert partner.post(url + "publish/").status_code == 403
    assert partner.get(url + "publication/").status_code == 403
