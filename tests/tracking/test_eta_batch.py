"""The batched ETA engine: one tick recomputes every route with new pings, in a fixed number of
queries, with the same results as recomputing the routes one by one."""

import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from routing.models import Stop
from tracking.models import EtaRecord, PositionPing, RouteEta, StopEta
from tracking.services import eta as eta_services
from tracking.services import route_etas_refresh, routes_etas_refresh
from tracking.services.eta import debounce, refresh

from .conftest import PING, POINTS

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)


@pytest.fixture
def routes(make_route, matrix_provider, make_user_driver, now):
    """Three vans on the hand-made route; each pinged from a different place and time, and the
    first has its middle stop's window closing early (late risk)."""
    from routing.models import Driver

    made = []
    windows = [((0, 180), (0, 32), (0, 180)), ((0, 180),) * 3, ((0, 180),) * 3]
    for k, (code, where) in enumerate(
        [("VAN1", PING), ("VAN2", POINTS[1]), ("VAN3", POINTS[2])], start=1
    ):
        driver = Driver.objects.get(user=make_user_driver(f"driver{k}"))
        route = make_route(code=code, route_driver=driver, windows=windows[k - 1])
        PositionPing.objects.create(
            vehicle=route.vehicle,
            route=route,
            time=now - k * M,
            latitude=where[0],
            longitude=where[1],
            received_at=now,
        )
        made.append(route)
    return made


def _snapshot(routes):
    stops = Stop.objects.filter(route__in=routes).order_by("route_id", "sequence")
    flags = {se.stop_id: (se.is_late_risk, se.is_next) for se in StopEta.objects.all()}
    history = sorted(EtaRecord.objects.values_list("stop_id", "eta", "eta_low", "eta_high"))
    states = {
        s.route_id: (s.ping_time, s.speed_ratio, s.signature, s.computations)
        for s in RouteEta.objects.all()
    }
    return [(s.pk, s.eta, s.eta_low, s.eta_high, flags.get(s.pk)) for s in stops], history, states


def _forget(routes):
    StopEta.objects.all().delete()
    EtaRecord.objects.all().delete()
    RouteEta.objects.all().delete()
    Stop.objects.filter(route__in=routes).update(eta=None, eta_low=None, eta_high=None)


def test_a_batch_gives_the_same_etas_flags_and_history_as_one_route_at_a_time(routes, now):
    for route in routes:
        route_etas_refresh(route_id=route.pk, now=now)
    one_by_one = _snapshot(routes)
    _forget(routes)

    states = routes_etas_refresh(route_ids=[r.pk for r in reversed(routes)], now=now)

    assert _snapshot(routes) == one_by_one
    assert sorted(states) == sorted(r.pk for r in routes)
    # Each van's own ping: VAN2 pinged from stop A, so A is due at once.
    stops = {s.route_id: s for s in Stop.objects.filter(sequence=1)}
    assert stops[routes[1].pk].eta == now
    assert stops[routes[0].pk].eta == now + 10 * M
    assert {s.route_id: s.ping_time for s in states.values()} == {
        r.pk: now - k * M for k, r in enumerate(routes, start=1)
    }
    late = StopEta.objects.filter(is_late_risk=True).values_list("stop__route__vehicle__code")
    assert list(late) == [("VAN1",)]


def test_the_batch_query_count_does_not_grow_with_the_routes(routes, now):
    for route in routes:  # (first computations read the learned ratios into the cache)
        route_etas_refresh(route_id=route.pk, now=now)
    # ... but one route alone caches only the hours it used: cache every hour of each driver,
    # as a batch would once a leg crosses into a new hour.
    from tracking.services.eta.learning import hour_prior

    for route in routes:
        for hour in range(24):
            hour_prior(route=route, hour=hour, now=now, known={})
    with CaptureQueriesContext(connection) as one:
        routes_etas_refresh(route_ids=[routes[0].pk], now=now + M)
    with CaptureQueriesContext(connection) as three:
        routes_etas_refresh(route_ids=[r.pk for r in routes], now=now + 2 * M)
    assert len(three) == len(one) <= 14
    assert [s.computations for s in RouteEta.objects.order_by("route_id")] == [3, 2, 2]


def test_unknown_routes_are_left_out(routes, now):
    assert routes_etas_refresh(route_ids=[], now=now) == {}
    states = routes_etas_refresh(route_ids=[routes[0].pk, 999_999], now=now)
    assert list(states) == [routes[0].pk]
    assert not RouteEta.objects.filter(route_id=999_999).exists()


@pytest.fixture
def ticks(monkeypatch):
    """Record tick tasks instead of sending them; the test runs the tick itself."""
    sent = []
    monkeypatch.setattr(debounce, "_tick_send", lambda countdown: sent.append(countdown))
    return sent


def test_a_burst_of_pings_across_routes_is_recomputed_once_per_route_in_one_tick(
    routes, now, ticks
):
    for _ in range(10):
        for route in routes:
            eta_services.eta_request(route_id=route.pk)
    assert len(ticks) == 1  # one tick for the whole burst

    assert eta_services.eta_tick_run(now=now) == 3

    assert [s.computations for s in RouteEta.objects.order_by("route_id")] == [1, 1, 1]
    assert Stop.objects.filter(route__in=routes, eta__isnull=False).count() == 9
    # The trailing requests (pings after the first recompute) wait for the debounce to end.
    assert eta_services.eta_tick_run(now=now) == 0


def test_pings_during_the_debounce_get_one_trailing_recompute_with_the_newest_position(
    routes, now, ticks, settings
):
    settings.TRACKING_ETA_DEBOUNCE_S = 1
    route, quiet = routes[0], routes[1]
    eta_services.eta_request(route_id=route.pk)
    eta_services.eta_request(route_id=quiet.pk)
    assert eta_services.eta_tick_run(now=now) == 2
    PositionPing.objects.create(
        vehicle=route.vehicle,
        route=route,
        time=now,
        latitude=PING[0],
        longitude=PING[1],
        received_at=now,
    )
    assert eta_services.eta_request(route_id=route.pk) == "trailing"
    assert eta_services.eta_request(route_id=route.pk) == "coalesced"
    time.sleep(1.1)
    assert eta_services.eta_tick_run(now=now) == 1
    states = {s.route_id: s for s in RouteEta.objects.all()}
    assert (states[route.pk].computations, states[route.pk].ping_time) == (2, now)
    assert states[quiet.pk].computations == 1


def test_a_forced_request_is_recomputed_at_the_next_tick(routes, now, ticks):
    eta_services.eta_request(route_id=routes[0].pk)
    eta_services.eta_tick_run(now=now)
    # A stop status change inside the debounce window still recomputes at once.
    assert eta_services.eta_request(route_id=routes[0].pk, force=True) == "now"
    assert eta_services.eta_tick_run(now=now) == 1
    assert RouteEta.objects.get(route=routes[0]).computations == 2


def test_a_failing_batch_is_retried_route_by_route(routes, now, ticks, monkeypatch):
    real = eta_services.routes_etas_refresh
    broken = routes[1].pk

    def flaky(*, route_ids, now=None, **kwargs):
        if broken in route_ids:
            raise RuntimeError("bad route")
        return real(route_ids=route_ids, now=now, **kwargs)

    monkeypatch.setattr(debounce, "routes_etas_refresh", flaky)
    monkeypatch.setattr(refresh, "routes_etas_refresh", flaky)
    for route in routes:
        eta_services.eta_request(route_id=route.pk)
    assert eta_services.eta_tick_run(now=now) == 2
    assert sorted(RouteEta.objects.values_list("route_id", flat=True)) == sorted(
        r.pk for r in routes if r.pk != broken
    )


def test_the_tick_reschedules_itself_while_requests_are_pending(routes, now, ticks, settings):
    settings.TRACKING_ETA_DEBOUNCE_S = 5
    eta_services.eta_request(route_id=routes[0].pk)
    eta_services.eta_tick_run(now=now)
    eta_services.eta_request(route_id=routes[0].pk)  # trailing, due in about 5 s
    ticks.clear()
    eta_services.eta_tick_run(now=now)
    assert len(ticks) == 1 and 3 < ticks[0] <= 5


def test_the_sweep_resumes_ticks_when_a_tick_task_was_lost(routes, now, ticks):
    from django.core.cache import cache

    from tracking.tasks import eta_sweep

    eta_services.eta_request(route_id=routes[0].pk)
    assert len(ticks) == 1
    cache.delete(eta_services.TICK_KEY)  # the scheduled tick never ran and its marker expired
    assert eta_services.eta_ticks_resume() is True
    assert eta_services.eta_ticks_resume() is False  # one is scheduled now
    cache.delete(eta_services.TICK_KEY)
    eta_sweep()
    assert len(ticks) == 3
    eta_services.eta_tick_run(now=now)
    assert eta_services.eta_ticks_resume() is False  # nothing pending
