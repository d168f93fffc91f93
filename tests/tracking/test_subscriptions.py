"""tracking reacts to what orders and routing publish through core.events (no model signals):
emails written in the event's transaction, cached pages forgotten after commit, ETAs asked for
when a stop's status changes or a plan is published."""

import pytest
from django.db import transaction

from orders.services import order_out_for_delivery
from routing import services as routing_services
from routing.models import Plan, PlanStatus, StopStatus
from tests.factories import DriverFactory
from tracking.models import Notification, RouteEta
from tracking.services.pages import page_cached, page_store

from .conftest import stops_of

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def test_an_order_event_records_its_email_in_the_events_transaction(route):
    order = stops_of(route)[0].order
    with pytest.raises(Rollback), transaction.atomic():
        order_out_for_delivery(order=order, route_ref="R1")
        assert Notification.objects.filter(order=order, kind="out_for_delivery").exists()
        raise Rollback
    assert not Notification.objects.exists()
    order_out_for_delivery(order=order, route_ref="R1")
    assert Notification.objects.get(order=order).kind == "out_for_delivery"


def test_an_order_event_forgets_the_cached_page_once_committed(
    route, django_capture_on_commit_callbacks
):
    order = stops_of(route)[0].order
    page_store(token=order.tracking_token, content="old page")
    with django_capture_on_commit_callbacks() as callbacks:
        order_out_for_delivery(order=order, route_ref="R1")
        assert page_cached(token=order.tracking_token) == "old page"  # not committed yet
    for callback in callbacks:
        callback()
    assert page_cached(token=order.tracking_token) is None


def test_a_stop_status_set_by_routing_recomputes_the_routes_etas_after_commit(
    route, now, django_capture_on_commit_callbacks
):
    a = stops_of(route)[0]
    page_store(token=a.order.tracking_token, content="old page")
    with django_capture_on_commit_callbacks() as callbacks:
        routing_services.stop_status_set(stop=a, status=StopStatus.ARRIVED, at=now)
    assert not RouteEta.objects.filter(route=route).exists()
    for callback in callbacks:
        callback()
    assert RouteEta.objects.get(route=route).computations == 1
    assert stops_of(route)[1].eta is not None
    assert page_cached(token=a.order.tracking_token) is None


def test_a_published_plan_asks_for_its_routes_etas_but_a_past_days_does_not(
    make_route, matrix_provider, now, django_capture_on_commit_callbacks
):
    route = make_route(status="packed")
    Plan.objects.filter(pk=route.plan_id).update(
        status=PlanStatus.READY, published_at=None, date=route.plan.date.replace(year=2000)
    )
    with django_capture_on_commit_callbacks(execute=True):
        routing_services.plan_publish(plan=Plan.objects.get(pk=route.plan_id))
    assert not RouteEta.objects.exists()

    other = make_route(status="packed", code="VAN2", route_driver=DriverFactory())
    Plan.objects.filter(pk=other.plan_id).update(status=PlanStatus.READY, published_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        routing_services.plan_publish(plan=Plan.objects.get(pk=other.plan_id))
    assert RouteEta.objects.get().route_id == other.pk
