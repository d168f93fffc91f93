"""A short simulated day through the real API (Django's test client, Celery eager)."""

import datetime as dt
import random

import pytest
from django.core import mail

from orders.models import CustomerOrder, OrderStatus
from routing.models import RouteStatus, Stop
from simulator import days
from simulator.engine import NoiseModel
from simulator.player import ClientTransport, DayPlayer, HttpTransport
from simulator.world import world_create
from tracking.models import EtaRecord, Notification, PositionPing, StopEvent

DAY = dt.date(2026, 3, 2)
# Transactional: on_commit hooks (ETA recomputes after pings, emails) run as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published_day(settings):
    settings.TRACKING_ETA_DEBOUNCE_S = 0  # every ping batch recomputes (as at real speed)
    depot, template = world_create(vehicles=1, break_s=0)
    shifts = days.shifts_copy(date=DAY, template=template)
    orders = days.orders_create(warehouse=depot, date=DAY, count=4, rng=random.Random(1))
    plan = days.plan_day(
        date=DAY, depot=depot, orders=orders, shifts=shifts, solve=days.deterministic_solve
    )
    assert plan is not None and plan.stops.count() == 4
    return plan


def play(plan, noise, transport=None):
    player = DayPlayer(
        days.sim_routes(plans=[plan]),
        transport=transport or ClientTransport(),
        noise=noise,
        leg_model_s=days.leg_model(),
        upload_every_s=300,
    )
    return player, player.play_stepped()


def test_a_simulated_route_delivers_its_orders_through_the_api(published_day):
    plan = published_day
    player, stats = play(plan, NoiseModel(seed=3, failure_probability=0))
    assert stats.errors == []
    assert stats.started == 1 and stats.delivered == 4
    orders = CustomerOrder.objects.filter(route_stops__plan=plan)
    assert {o.status for o in orders} == {OrderStatus.DELIVERED}
    route = plan.routes.get()
    assert route.status == RouteStatus.COMPLETED
    # What the phone said is what the system recorded.
    stops = list(Stop.objects.filter(plan=plan))
    assert {s.pk: s.arrived_at for s in stops} == player.arrivals
    assert StopEvent.objects.filter(stop__plan=plan).count() == 8  # arrived + delivered each
    assert PositionPing.objects.filter(route=route).count() == stats.pings > 0
    # The ETA engine ran on the way and every ETA it gave was scored on arrival.
    history = EtaRecord.objects.filter(stop__plan=plan)
    assert history.count() >= 4 and not history.filter(error_s__isnull=True).exists()
    # Customers were told: out for delivery and delivered, by email.
    sent = Notification.objects.filter(order__in=orders, status="sent")
    assert set(sent.values_list("kind", flat=True)) >= {"out_for_delivery", "delivered"}
    assert {m.to[0] for m in mail.outbox} == {f"customer{n}@sim.example" for n in range(1, 5)}


def test_a_customer_absent_fails_the_order_with_that_reason(published_day):
    _player, stats = play(published_day, NoiseModel(seed=3, failure_probability=1.0))
    assert stats.errors == [] and stats.failed == 4
    orders = CustomerOrder.objects.filter(route_stops__plan=published_day)
    assert {o.status for o in orders} == {OrderStatus.FAILED}
    reasons = StopEvent.objects.filter(stop__plan=published_day, type="failed")
    assert set(reasons.values_list("reason", flat=True)) == {"customer_absent"}


def test_drivers_log_in_and_act_over_real_http(published_day, live_server):
    """The transport `make run` uses: a session login with CSRF, then the API."""
    _player, stats = play(published_day, NoiseModel(seed=4), HttpTransport(live_server.url))
    assert stats.errors == []
    assert stats.delivered + stats.failed == 4
