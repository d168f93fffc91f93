"""The leg the van is driving goes on at the pace it has driven it so far: a van crawling
through a jam is late for the rest of that leg too, not only for the part behind it."""

import datetime as dt
import math

import numpy as np
import pytest

from routing.models import StopStatus
from routing.solver import MatrixProvider
from tracking.eta import LEG_PACE_PRIOR_S, leg_pace
from tracking.models import PositionPing, RouteEta
from tracking.selectors import route_sequence_etas
from tracking.services import route_etas_refresh

from .conftest import MINUTES, PING, POINTS, stops_of

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)
S = dt.timedelta(seconds=1)

# A point 5 minutes from A and from B: two thirds of the way from A to B (A → B is 15), half of
# the way from the depot to A (10).
MID = (52.505000, 13.425000)
MID_MINUTES = [10, 5, 5, 10]  # to the depot, A, B, C


@pytest.fixture
def mid_provider(monkeypatch):
    """The tracking tests' matrix (conftest.MINUTES) with PING and MID added."""
    rows = [[*row, row[0], mid] for row, mid in zip(MINUTES, MID_MINUTES, strict=True)]
    rows.append([*MINUTES[0], 0, MID_MINUTES[0]])  # PING: as the depot
    rows.append([*MID_MINUTES, MID_MINUTES[0], 0])
    minutes = np.array(rows)
    provider = MatrixProvider([*POINTS, PING, MID], minutes * 1000, minutes * 60)
    monkeypatch.setattr("routing.services.travel_provider", lambda: provider)
    return provider


@pytest.fixture
def on_the_way_to_b(make_route, mid_provider, now):
    """A served from +10 to +15; the van pings from MID (two thirds of the way to B)."""

    def _at(ping_at, *, breaks=()):
        route = make_route()
        route.status, route.breaks = "in_progress", list(breaks)
        route.save(update_fields=["status", "breaks"])
        a = stops_of(route)[0]
        a.status, a.arrived_at, a.departed_at = StopStatus.DELIVERED, now + 10 * M, now + 15 * M
        a.save(update_fields=["status", "arrived_at", "departed_at"])
        PositionPing.objects.create(
            vehicle=route.vehicle,
            route=route,
            time=ping_at,
            latitude=MID[0],
            longitude=MID[1],
            received_at=ping_at,
        )
        return route

    return _at


def test_pace_is_the_time_driven_against_the_time_expected_shrunk_towards_one():
    assert leg_pace(elapsed_s=1200, expected_s=600) == pytest.approx(
        (1200 + LEG_PACE_PRIOR_S) / (600 + LEG_PACE_PRIOR_S)
    )
    assert leg_pace(elapsed_s=600, expected_s=600) == 1.0
    assert leg_pace(elapsed_s=300, expected_s=600) < 1.0
    # Less than a minute of the leg behind the van: still pulling out, nothing learned.
    assert leg_pace(elapsed_s=600, expected_s=30) == 1.0


def test_a_van_slow_on_its_leg_is_expected_slow_for_the_rest_of_it(on_the_way_to_b, now):
    """Left A at +15; at +35 it is where it should have been at +25 (20 minutes for 10): the
    last 5 minutes to B take 5 x (20 + 2) / (10 + 2) minutes, and C (10 minutes after B's
    5-minute service) is moved by as much, its own leg at the usual speed."""
    later = now + 35 * M
    route = on_the_way_to_b(later)

    route_etas_refresh(route_id=route.pk, now=later)

    _a, b, c = stops_of(route)
    rest_of_leg = math.ceil(300 * (1200 + 120) / (600 + 120))
    assert b.eta == later + rest_of_leg * S
    assert c.eta == b.eta + (5 + 10) * M
    assert b.eta > later + 5 * M + 4 * M  # not "5 minutes away, as the model says"


def test_a_van_on_time_on_its_leg_keeps_the_model_s_time(on_the_way_to_b, now):
    later = now + 25 * M
    route = on_the_way_to_b(later)

    route_etas_refresh(route_id=route.pk, now=later)

    _a, b, _c = stops_of(route)
    assert b.eta == later + 5 * M


def test_the_leg_starts_when_the_break_taken_at_the_last_stop_ended(on_the_way_to_b, now):
    """The break fell due at A (+12, 10 minutes): the van left at +25, not +15, and is on time
    at MID at +35; the break is not counted as a slow leg."""
    later = now + 35 * M
    route = on_the_way_to_b(
        later, breaks=[{"start": (now + 12 * M).isoformat(), "duration_s": 600}]
    )

    route_etas_refresh(route_id=route.pk, now=later)

    _a, b, _c = stops_of(route)
    assert b.eta == later + 5 * M


def test_the_first_leg_runs_from_the_route_s_start(make_route, mid_provider, now):
    """No stop done yet: the leg began when the driver started the route (RouteEta.started_at,
    +0). At MID at +10, where the model had it at +5: A (5 minutes on) is 5 x (10 + 2) / (5 + 2)
    minutes away."""
    route = make_route()
    RouteEta.objects.create(route=route, started_at=now)
    later = now + 10 * M
    PositionPing.objects.create(
        vehicle=route.vehicle, time=later, latitude=MID[0], longitude=MID[1], received_at=later
    )

    route_etas_refresh(route_id=route.pk, now=later)

    assert stops_of(route)[0].eta == later + math.ceil(300 * (600 + 120) / (300 + 120)) * S


def test_a_route_not_known_to_have_started_keeps_the_model_s_time(make_route, mid_provider, now):
    """A ping without a start (the driver never pressed "start"): when the leg began is not
    known, so neither is its pace."""
    route = make_route()
    later = now + 10 * M
    PositionPing.objects.create(
        vehicle=route.vehicle, time=later, latitude=MID[0], longitude=MID[1], received_at=later
    )

    route_etas_refresh(route_id=route.pk, now=later)

    assert stops_of(route)[0].eta == later + 5 * M


def test_the_move_preview_uses_the_same_pace(on_the_way_to_b, now):
    """Dispatch's preview of the route's own order is what the recompute stores."""
    later = now + 35 * M
    route = on_the_way_to_b(later)
    route_etas_refresh(route_id=route.pk, now=later)
    stops = stops_of(route)

    etas = route_sequence_etas(route=route, stops=stops, now=later)

    assert {k: v.eta for k, v in etas.items()} == {s.pk: s.eta for s in stops[1:]}
