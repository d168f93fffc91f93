"""First ETAs from pings: a route whose first ping arrives gets its ETAs at the next tick, its
next stop announced once; a tick meeting many drivers for the first time reads their speed
priors together (the same values as one at a time); concurrent ticks never recompute or
announce a route twice for the same request; the ticks can have a queue of their own."""

import datetime as dt
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import OrderEvent
from routing.models import RouteStatus, Stop
from tests.factories import DriverFactory
from tracking.models import EtaRecord, LegSample, Notification, RouteEta, StopEta
from tracking.services import eta as eta_services
from tracking.services import notifications, routes_etas_refresh
from tracking.services.eta import debounce
from tracking.services.eta.learning import RATIO_KEY, hour_prior
from tracking.services.eta.priors import priors_warm

from .conftest import PING, stops_of

H = dt.timedelta(hours=1)


def _rolling(make_route, **kwargs):
    """A route already on its way (orders out for delivery) with no ETA yet."""
    route = make_route(status="out_for_delivery", **kwargs)
    route.status = RouteStatus.IN_PROGRESS
    route.save(update_fields=["status"])
    return route


@pytest.mark.django_db
def test_a_routes_first_ping_brings_its_first_etas_and_one_arriving_announcement(
    make_route, matrix_provider, driver, now, django_capture_on_commit_callbacks
):
    route = _rolling(make_route)
    client = APIClient()
    client.force_login(driver.user)
    body = {"pings": [{"time": now.isoformat(), "latitude": PING[0], "longitude": PING[1]}]}

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/api/v1/pings/", body, format="json").status_code == 201

    first, *rest = stops_of(route)
    assert all(stop.eta is not None for stop in (first, *rest))
    # From the ping's place (10 min to A), counted from the moment of the recompute.
    ten = timezone.now() + dt.timedelta(minutes=10)
    assert ten - dt.timedelta(minutes=1) < first.eta <= ten
    assert StopEta.objects.get(stop=first).is_next
    arriving = OrderEvent.objects.filter(order=first.order, type=OrderEvent.Type.ARRIVING)
    assert arriving.count() == 1
    mail = Notification.objects.get(kind=Notification.Kind.ARRIVING)
    assert mail.order == first.order and mail.status == Notification.Status.SENT

    # The next ping (after the debounce) recomputes; the customer hears nothing new.
    cache.delete(eta_services.LOCK_KEY.format(route.pk))
    body["pings"][0]["time"] = (now + dt.timedelta(seconds=10)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/api/v1/pings/", body, format="json").status_code == 201
    assert RouteEta.objects.get(route=route).computations == 2
    assert arriving.count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.ARRIVING).count() == 1


@pytest.fixture
def history(make_route, matrix_provider, driver, now):
    """Two routes today (drivers A and B) and legs of the last days: other routes of A, of B,
    of a driver not on the road today, one of route 1 itself (the priors leave a route's own
    legs out) and one too old to count."""
    other_driver = DriverFactory()
    today_a = make_route(code="VAN1")
    today_b = make_route(code="VAN2", route_driver=other_driver)
    # (one shift a day per driver: the past routes get drivers of their own; what counts is
    # who drove each leg)
    past_a = make_route(code="VAN3", route_driver=DriverFactory())
    past_b = make_route(code="VAN4", route_driver=DriverFactory())
    past_c = make_route(code="VAN5", route_driver=DriverFactory())
    legs = [
        (past_a, driver, 8, 600, 900, 2),
        (past_a, driver, 9, 600, 700, 2),
        (past_b, other_driver, 9, 500, 450, 3),
        (past_c, past_c.driver, 17, 800, 1300, 1),
        (today_a, driver, 8, 600, 1800, 0),
        (past_b, other_driver, 9, 600, 3000, 40),  # outside the PRIOR_DAYS window
    ]
    samples = []
    for route, leg_driver, hour, predicted, actual, days_ago in legs:
        for stop in stops_of(route):
            if LegSample.objects.filter(stop=stop).exists() or any(
                s.stop_id == stop.pk for s in samples
            ):
                continue
            samples.append(
                LegSample(
                    route=route,
                    driver=leg_driver,
                    stop=stop,
                    hour=hour,
                    predicted_s=predicted,
                    actual_s=actual,
                    at=now - dt.timedelta(days=days_ago),
                )
            )
            break
    LegSample.objects.bulk_create(samples)
    return today_a, today_b


@pytest.mark.django_db
def test_priors_for_a_batch_are_the_ones_each_driver_gets_alone(history, now):
    today_a, today_b = history
    alone = {
        (route.driver_id, hour): hour_prior(route=route, hour=hour, now=now, known={})
        for route in history
        for hour in range(24)
    }
    cache.delete_many([RATIO_KEY.format(d, h) for d, h in alone])

    known: dict = {}
    assert priors_warm(routes=[today_a, today_b], now=now, known=known) == 2

    together = {(d, h): known[RATIO_KEY.format(d, h)] for d, h in alone}
    assert together == pytest.approx(alone, rel=1e-12)
    assert len({round(v, 9) for v in together.values()}) > 2  # the legs did move them
    # ... and they are cached: a second batch (or hour_prior) reads them back.
    assert priors_warm(routes=[today_a, today_b], now=now, known=dict(cache.get_many(known))) == 0
    assert (
        cache.get(RATIO_KEY.format(today_b.driver_id, 9))
        == known[RATIO_KEY.format(today_b.driver_id, 9)]
    )


@pytest.mark.django_db
def test_a_cold_tick_costs_the_same_queries_for_one_new_driver_or_many(
    make_route, matrix_provider, now
):
    routes = [_rolling(make_route, code=f"VAN{k}", route_driver=DriverFactory()) for k in range(4)]
    # As the ticks do: the announcements follow in a task of their own.
    with CaptureQueriesContext(connection) as one:
        routes_etas_refresh(route_ids=[routes[0].pk], now=now, announce_later=True)
    with CaptureQueriesContext(connection) as three:
        routes_etas_refresh(route_ids=[r.pk for r in routes[1:]], now=now, announce_later=True)
    assert len(three) <= len(one)
    assert Stop.objects.filter(route__in=routes, eta__isnull=False).count() == 12


@pytest.fixture
def _restore_role_groups(django_db_blocker):
    """The flush after a transactional test drops the role groups a migration created (set up
    before the database fixture, so this runs after its flush)."""
    yield
    from django.contrib.auth.models import Group

    from core.roles import Role

    with django_db_blocker.unblock():
        for role in Role.values:
            Group.objects.get_or_create(name=role)


@pytest.fixture
def threads_db(_restore_role_groups, transactional_db):
    """A database the test's threads see (committed transactions)."""


def _together(*calls):
    """Run the calls at the same moment in threads of their own (each its own connection)."""
    barrier, errors, results = threading.Barrier(len(calls)), [], [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(k, c)) for k, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return results


def test_two_ticks_at_once_on_the_same_route_announce_its_next_stop_once(
    threads_db, make_route, matrix_provider, now, monkeypatch
):
    route = _rolling(make_route)
    announced = []
    monkeypatch.setattr(
        notifications,
        "stops_announce_later",
        lambda *, next_stop_ids, moved: announced.extend(next_stop_ids),
    )

    _together(
        *[
            lambda: routes_etas_refresh(route_ids=[route.pk], now=now, announce_later=True)
            for _ in range(2)
        ]
    )

    first = stops_of(route)[0]
    assert announced == [first.pk]  # one of the two found it next, the other saw it done
    assert RouteEta.objects.get(route=route).computations == 2
    assert StopEta.objects.filter(stop__route=route).count() == 3
    assert EtaRecord.objects.filter(stop__route=route).count() == 3  # no second history row


def test_concurrent_ticks_take_each_pending_route_once(
    threads_db, make_route, matrix_provider, now, monkeypatch
):
    monkeypatch.setattr(debounce, "_tick_send", lambda countdown: None)
    routes = [_rolling(make_route, code=f"VAN{k}", route_driver=DriverFactory()) for k in range(6)]
    for route in routes:
        eta_services.eta_request(route_id=route.pk)

    done = _together(*[lambda: eta_services.eta_tick_run(now=now) for _ in range(3)])

    assert sum(done) == len(routes)
    assert sorted(RouteEta.objects.values_list("computations", flat=True)) == [1] * len(routes)
    assert OrderEvent.objects.filter(type=OrderEvent.Type.ARRIVING).count() == len(routes)


@pytest.mark.django_db
def test_ticks_go_to_their_own_queue_when_one_is_set(settings, monkeypatch):
    from tracking.tasks import eta_tick

    sent = []
    monkeypatch.setattr(eta_tick, "apply_async", lambda **kwargs: sent.append(kwargs["queue"]))
    settings.TRACKING_QUEUE = "tracking"
    settings.TRACKING_ETA_QUEUE = ""
    eta_services.eta_request(route_id=1, force=True)
    cache.delete(eta_services.TICK_KEY)
    settings.TRACKING_ETA_QUEUE = "eta"
    eta_services.eta_request(route_id=2, force=True)
    assert sent == ["tracking", "eta"]


def test_worker_processes_leave_start_up_objects_out_of_the_cycle_collector():
    import gc

    from celery.signals import worker_process_init

    gc.unfreeze()
    try:
        worker_process_init.send(sender=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
