"""POST /api/v1/pings/: validation, duplicates, ownership, debounced ETA recomputes, pruning."""

import datetime as dt

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tracking.models import PositionPing, RouteEta
from tracking.services import eta as eta_services
from tracking.services import pings_prune
from tracking.services.eta import debounce

from .conftest import PING

pytestmark = pytest.mark.django_db
URL = "/api/v1/pings/"


@pytest.fixture
def driver_api(driver):
    client = APIClient()
    client.force_login(driver.user)
    return client


def ping(at, lat=PING[0], lon=PING[1], **extra):
    return {"time": at.isoformat(), "latitude": lat, "longitude": lon, **extra}


def test_pings_are_stored_for_the_drivers_vehicle(driver_api, route, now):
    response = driver_api.post(
        URL,
        {"pings": [ping(now), ping(now - dt.timedelta(seconds=15), speed_kmh=30)]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json() == {"vehicle": "VAN1", "received": 2, "stored": 2, "duplicates": 0}
    assert PositionPing.objects.filter(vehicle=route.vehicle, route=route).count() == 2


def test_duplicates_in_a_batch_and_across_requests_are_dropped(driver_api, route, now):
    batch = {"pings": [ping(now), ping(now), ping(now - dt.timedelta(seconds=10))]}
    first = driver_api.post(URL, batch, format="json").json()
    second = driver_api.post(URL, batch, format="json").json()
    assert (first["stored"], first["duplicates"]) == (2, 1)
    assert (second["stored"], second["duplicates"]) == (0, 3)
    assert PositionPing.objects.count() == 2


@pytest.mark.parametrize(
    ("bad", "field", "status"),
    [
        ({"latitude": 91}, "pings[0].latitude", 422),
        ({"longitude": -181}, "pings[0].longitude", 422),
        ({"speed_kmh": -1}, "pings[0].speed_kmh", 422),
        ({"heading_deg": 400}, "pings[0].heading_deg", 422),
        ({"latitude": "north"}, "pings[0].latitude", 400),
        ({"time": "yesterday"}, "pings[0].time", 400),
    ],
)
def test_out_of_range_values_are_refused_naming_the_field(
    driver_api, route, now, bad, field, status
):
    response = driver_api.post(URL, {"pings": [{**ping(now), **bad}]}, format="json")
    assert response.status_code == status, response.json()
    assert response.json()["errors"][0]["field"] == field
    assert not PositionPing.objects.exists()


def test_a_time_more_than_a_minute_ahead_is_refused(driver_api, route, now):
    response = driver_api.post(
        URL, {"pings": [ping(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90))]}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "pings[0].time",
        "code": "in_future",
        "message": "time is more than a minute in the future; check the device clock.",
    }


def test_empty_and_oversized_batches_are_refused(driver_api, route, now, settings):
    settings.TRACKING_PING_MAX_BATCH = 3
    assert driver_api.post(URL, {"pings": []}, format="json").status_code == 400
    many = [ping(now - dt.timedelta(seconds=k)) for k in range(4)]
    response = driver_api.post(URL, {"pings": many}, format="json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "pings"


def test_naming_another_vehicle_or_having_no_route_answers_404(
    driver_api, route, now, make_user_driver
):
    assert (
        driver_api.post(URL, {"vehicle": "VAN9", "pings": [ping(now)]}, format="json").status_code
        == 404
    )
    other = APIClient()
    other.force_login(make_user_driver("otto"))
    assert other.post(URL, {"pings": [ping(now)]}, format="json").status_code == 404


def test_partner_keys_need_the_scope_and_own_no_vehicle(partner_api, route, now):
    without = partner_api(scopes=["orders:read"])
    assert without.post(URL, {"pings": [ping(now)]}, format="json").status_code == 403
    with_scope = partner_api(scopes=["pings:write"])
    response = with_scope.post(URL, {"vehicle": "VAN1", "pings": [ping(now)]}, format="json")
    assert response.status_code == 404
    assert not PositionPing.objects.exists()


def test_a_burst_of_50_pings_gives_one_recompute(driver_api, route, now, monkeypatch):
    """50 ping requests in a burst: one recompute now, one trailing one scheduled; the trailing
    one finds nothing newer than what the first one used and does nothing."""
    sent = []
    monkeypatch.setattr(
        debounce,
        "_enqueue",
        lambda route_id, trailing=False, countdown=0: sent.append(trailing),
    )
    for k in range(50):
        at = now - dt.timedelta(seconds=60 - k)
        assert eta_services.eta_request(route_id=route.pk) in ("now", "trailing", "coalesced")
        PositionPing.objects.create(
            vehicle=route.vehicle, time=at, latitude=PING[0], longitude=PING[1], received_at=at
        )
    assert sent == [False, True]
    eta_services.eta_refresh_run(route_id=route.pk, now=now)  # the leading task runs...
    eta_services.eta_refresh_run(route_id=route.pk, trailing=True, now=now)  # ...then the trailing
    state = RouteEta.objects.get(route=route)
    assert state.computations == 1
    assert state.ping_time == now - dt.timedelta(seconds=11)  # the last ping of the burst


def test_a_ping_after_the_recompute_started_gets_the_trailing_recompute(route, now, monkeypatch):
    sent = []
    monkeypatch.setattr(
        debounce,
        "_enqueue",
        lambda route_id, trailing=False, countdown=0: sent.append(trailing),
    )
    eta_services.eta_request(route_id=route.pk)
    eta_services.eta_refresh_run(route_id=route.pk, now=now)
    PositionPing.objects.create(
        vehicle=route.vehicle, time=now, latitude=PING[0], longitude=PING[1], received_at=now
    )
    eta_services.eta_request(route_id=route.pk)  # still inside the debounce window
    eta_services.eta_refresh_run(route_id=route.pk, trailing=True, now=now)
    state = RouteEta.objects.get(route=route)
    assert sent == [False, True]
    assert state.computations == 2 and state.ping_time == now
    assert cache.get(eta_services.DIRTY_KEY.format(route.pk)) is None


def test_pings_through_the_api_recompute_etas(
    driver_api, route, now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        driver_api.post(URL, {"pings": [ping(now)]}, format="json")
    state = RouteEta.objects.get(route=route)
    assert state.computations == 1
    assert route.stops.filter(eta__isnull=False).count() == 3


def test_old_pings_are_pruned(route, now, settings):
    settings.TRACKING_PING_RETENTION_DAYS = 7
    for days in (1, 8):
        at = now - dt.timedelta(days=days)
        PositionPing.objects.create(
            vehicle=route.vehicle, time=at, latitude=1, longitude=1, received_at=at
        )
    assert pings_prune(now=now) == 1
    assert PositionPing.objects.count() == 1
