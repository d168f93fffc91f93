"""A van late to start sends no pings: the beat's sweep recomputes its route every
TRACKING_ETA_WAITING_EVERY_S, so its stops' ETAs move on with the clock instead of keeping
those of a start on time."""

import datetime as dt

import pytest

from routing.models import Stop
from tracking import clock
from tracking.selectors import routes_needing_eta
from tracking.services import route_etas_refresh
from tracking.services.stops import route_start
from tracking.tasks import eta_sweep

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)
S30 = dt.timedelta(seconds=30)


def _first_eta(route):
    return Stop.objects.get(route=route, sequence=1).eta


def test_a_van_late_to_start_has_its_etas_moved_on_by_the_sweep(make_route, matrix_provider, now):
    route = make_route(start=now)
    route_etas_refresh(route_id=route.pk, now=now)  # published: the ETAs of a start on time
    on_time = _first_eta(route)

    assert route.pk not in routes_needing_eta(now=now + S30)
    assert route.pk in routes_needing_eta(now=now + 10 * M)
    clock.clock_set(at=now + 10 * M)
    try:
        assert eta_sweep() == 1  # through the task the beat runs, eagerly here
    finally:
        clock.clock_reset()
    # Ten minutes late and still at the depot: the first stop is ten minutes later.
    assert _first_eta(route) >= on_time + 10 * M - dt.timedelta(seconds=5)
    assert route.pk not in routes_needing_eta(now=now + 10 * M + S30)

    route_start(route=route, now=now + 12 * M)  # the driver leaves: pings take over
    assert route.pk not in routes_needing_eta(now=now + 30 * M)


def test_a_route_before_its_start_or_with_nothing_left_is_not_swept(
    make_route, matrix_provider, now
):
    later = make_route(start=now + 60 * M, code="VAN2")
    route_etas_refresh(route_id=later.pk, now=now)
    assert later.pk not in routes_needing_eta(now=now + 30 * M)  # not due to leave yet
    assert later.pk in routes_needing_eta(now=now + 61 * M)

    Stop.objects.filter(route=later).update(status="delivered")
    route_etas_refresh(route_id=later.pk, now=now + 61 * M)
    assert later.pk not in routes_needing_eta(now=now + 70 * M)  # nothing left to predict
