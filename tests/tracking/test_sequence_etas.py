"""tracking's answer for a proposed stop order (what dispatch's move preview shows): the engine's
rules from where the vehicle is, nothing written."""

import datetime as dt

import pytest

from routing.models import StopStatus
from tracking.models import EtaRecord, PositionPing, RouteEta
from tracking.selectors import route_sequence_etas
from tracking.services import route_etas_refresh

from .conftest import PING, stops_of

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)


def test_a_reversed_sequence_is_timed_from_the_depot(route, now):
    """Depot → C 15 min, service 5; C → B 10 min, service 5; B → A 15 min."""
    a, b, c = stops_of(route)
    etas = route_sequence_etas(route=route, stops=[c, b, a], now=now)
    assert {k: v.eta for k, v in etas.items()} == {
        c.pk: now + 15 * M,
        b.pk: now + 30 * M,
        a.pk: now + 50 * M,
    }
    assert not EtaRecord.objects.exists() and not RouteEta.objects.exists()
    assert all(s.eta is None for s in stops_of(route))


def test_the_sequence_starts_where_the_vehicle_pinged(route, now):
    """A fresh ping from PING (as far from every stop as the depot) 20 minutes in."""
    later = now + 20 * M
    PositionPing.objects.create(
        vehicle=route.vehicle, time=later - M, latitude=PING[0], longitude=PING[1], received_at=now
    )
    a, b, _c = stops_of(route)
    etas = route_sequence_etas(route=route, stops=[b, a], now=later)
    assert etas[b.pk].eta == later + 20 * M
    assert etas[a.pk].eta == later + (20 + 5 + 15) * M


def test_the_van_leaves_the_stop_it_is_at_once_served_and_reached_stops_get_no_eta(route, now):
    a, b, c = stops_of(route)
    a.status, a.arrived_at, a.departed_at = StopStatus.DELIVERED, now, now + 5 * M
    b.status, b.arrived_at = StopStatus.ARRIVED, now + 20 * M
    etas = route_sequence_etas(route=route, stops=[a, b, c], now=now + 21 * M)
    assert set(etas) == {c.pk}
    # At B since +20 with 5 min of service: leaves at +25, C 10 min later.
    assert etas[c.pk].eta == now + 35 * M


def test_the_sequence_etas_are_the_recompute_s_for_the_route_s_own_order(route, now):
    """Asked for the order the route already has, the answer is what a recompute stores."""
    route_etas_refresh(route_id=route.pk, now=now)
    route.refresh_from_db()
    stops = stops_of(route)
    etas = route_sequence_etas(route=route, stops=stops, now=now)
    assert {k: (v.eta, v.low, v.high) for k, v in etas.items()} == {
        s.pk: (s.eta, s.eta_low, s.eta_high) for s in stops
    }
