"""The ETA engine on a hand-made route: positions and times → the ETAs worked out by hand."""

import datetime as dt
import math

import pytest

from tracking.eta import EtaStop, blended_ratio, etas_compute
from tracking.models import EtaRecord, PositionPing, RouteEta, StopEta
from tracking.services import route_etas_refresh

from .conftest import PING, POINTS, stops_of

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)


def test_etas_follow_travel_service_and_waiting(route, now):
    """Depot → A 10 min, service 5; A → B 15 min, service 5; B → C 10 min. C's window opens
    at +60 min, so nothing waits before it; with B opening at +40 the van waits there."""
    a, b, c = stops_of(route)
    b.window_start = now + 40 * M
    b.save()

    route_etas_refresh(route_id=route.pk, now=now)

    a, b, c = stops_of(route)
    assert a.eta == now + 10 * M
    assert b.eta == now + 30 * M  # 10 + 5 service + 15
    # Service at B starts at +40 (waiting 10 min), leaves at +45, C at +55.
    assert c.eta == now + 55 * M


def test_position_from_the_latest_ping(route, now):
    """20 minutes after the route's start the van pinged from PING (as far from every stop as
    the depot): ETAs count from that moment; a ping older than TRACKING_PING_STALE_S is not
    used."""
    later = now + 20 * M
    for at in (later - 30 * M, later - 1 * M):
        PositionPing.objects.create(
            vehicle=route.vehicle,
            route=route,
            time=at,
            latitude=PING[0],
            longitude=PING[1],
            received_at=at,
        )
    state = route_etas_refresh(route_id=route.pk, now=later)
    a, _b, c = stops_of(route)
    assert state.ping_time == later - 1 * M
    assert a.eta == later + 10 * M
    assert c.eta == later + (10 + 5 + 15 + 5 + 10) * M


def test_route_delay_so_far_slows_the_remaining_legs():
    origin, stops = (0.0, 0.0), [EtaStop(key=1, point=(0.0, 1.0), service_s=0)]

    class Fixed:
        def matrices(self, points, depart_s):
            import numpy as np

            from routing.solver import Matrices

            return Matrices(np.zeros((2, 2)), np.array([[0, 600], [600, 0]]))

    # Three legs took 1.5 times what was expected: today's pace, shrunk towards 1 as if 20
    # more legs had gone as expected.
    ratio = blended_ratio(route_actual_s=3 * 900, route_predicted_s=3 * 600, route_legs=3)
    assert ratio == pytest.approx((3 * 1.5 + 20 * 1.0) / 23)
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    (result,) = etas_compute(
        origin=origin,
        ready_at=start,
        stops=stops,
        provider=Fixed(),
        tz=dt.UTC,
        now=start,
        speed_ratio=ratio,
    )
    assert result.eta == start + dt.timedelta(seconds=math.ceil(600 * ratio))


def test_window_widens_with_horizon(route, now):
    route_etas_refresh(route_id=route.pk, now=now)
    widths = [(s.eta_high - s.eta_low) for s in stops_of(route)]
    assert widths[0] < widths[1] < widths[2]
    # The prior before any data: ±(3 min + 18 % of the horizon); A is 10 min ahead.
    a = stops_of(route)[0]
    assert round((a.eta_high - a.eta).total_seconds()) == 180 + 108


def test_late_risk_when_the_eta_window_ends_after_the_time_window(make_route, matrix_provider, now):
    route = make_route(windows=((0, 180), (0, 32), (0, 180)))
    route_etas_refresh(route_id=route.pk, now=now)
    a, b, c = stops_of(route)
    flags = dict(StopEta.objects.values_list("stop_id", "is_late_risk"))
    assert flags == {a.pk: False, b.pk: True, c.pk: False}
    assert b.eta < b.window_end < b.eta_high


def test_history_keeps_material_changes_only(route, now):
    route_etas_refresh(route_id=route.pk, now=now)
    route_etas_refresh(route_id=route.pk, now=now + dt.timedelta(seconds=20))
    assert EtaRecord.objects.count() == 3  # moved by 20 s: not a new ETA
    route_etas_refresh(route_id=route.pk, now=now + 5 * M)
    assert EtaRecord.objects.count() == 6
    assert RouteEta.objects.get(route=route).computations == 3


def test_first_stop_of_a_route_not_yet_started_counts_from_its_start(
    make_route, matrix_provider, now
):
    route = make_route(start=now + 60 * M)
    route_etas_refresh(route_id=route.pk, now=now)
    assert stops_of(route)[0].eta == now + 70 * M
    assert POINTS  # the depot is the origin
