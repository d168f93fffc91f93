"""Pings through the API → ETAs updated by a real Celery worker (the batched ETA tick).

The worker gets its own queue and cache key prefix (the tick's pending set lives in the cache),
so parallel runs of other integration tests on the same broker never take these tasks."""

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from core.roles import Role
from routing.models import Plan, Route, Stop
from tests.factories import (
    CustomerFactory,
    CustomerOrderFactory,
    DriverFactory,
    ShiftFactory,
    UserFactory,
    VehicleFactory,
    WarehouseFactory,
)
from tracking.models import RouteEta

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
STOPS = [(52.500, 13.400), (52.510, 13.450), (52.530, 13.420)]


@pytest.fixture
def _restore_role_groups(django_db_blocker):
    """The flush after a transactional test drops the role groups a migration created (set up
    before the database fixture, so this runs after its flush)."""
    yield
    with django_db_blocker.unblock():
        for role in Role.values:
            Group.objects.get_or_create(name=role)


@pytest.fixture
def eta_worker(_restore_role_groups, transactional_db, settings, tmp_path):
    """A Celery worker on a queue of its own, sharing this test's cache key prefix."""
    queue = f"tracking-it-{uuid.uuid4().hex[:8]}"
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    settings.TRACKING_QUEUE = queue
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CACHE_KEY_PREFIX": prefix,
        "TRACKING_QUEUE": queue,
    }
    log = tmp_path / "worker.log"
    cmd = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-c", "1",
        "--loglevel", "INFO", "--hostname", f"tracking-it-{os.getpid()}@%h",
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("Celery worker did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.2)
    yield log
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _route(code: str, now: dt.datetime) -> tuple[Route, APIClient]:
    """A started route of three stops today and its driver's logged-in API client."""
    depot = WarehouseFactory(
        code=f"D{code}", latitude=Decimal("52.52"), longitude=Decimal("13.405")
    )
    user = UserFactory(username=f"driver-{code}")
    user.groups.add(Group.objects.get_or_create(name=Role.DRIVER)[0])
    driver = DriverFactory(user=user)
    vehicle = VehicleFactory(code=code, depot=depot)
    today = now.astimezone(depot.tzinfo).date()
    plan = Plan.objects.create(
        reference=f"PLN-IT-{code}", date=today, status=Plan.Status.PUBLISHED, published_at=now
    )
    plan.depots.add(depot)
    route = Route.objects.create(
        plan=plan,
        vehicle=vehicle,
        shift=ShiftFactory(driver=driver, vehicle=vehicle, date=today),
        driver=driver,
        sequence=1,
        status="in_progress",
        start_at=now - dt.timedelta(minutes=30),
        end_at=now + dt.timedelta(hours=4),
    )
    for k, (lat, lon) in enumerate(STOPS, start=1):
        order = CustomerOrderFactory(
            customer=CustomerFactory(email=""),
            warehouse=depot,
            status="planned",
            latitude=Decimal(str(lat)),
            longitude=Decimal(str(lon)),
            window_start=now,
            window_end=now + dt.timedelta(hours=4),
        )
        Stop.objects.create(
            plan=plan,
            route=route,
            order=order,
            sequence=k,
            planned_arrival=now + dt.timedelta(minutes=20 * k),
            planned_start=now + dt.timedelta(minutes=20 * k),
            planned_departure=now + dt.timedelta(minutes=20 * k + 5),
        )
    client = APIClient()
    client.force_login(user)
    return route, client


def _wait(condition, timeout_s: float = 60):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail("the worker did not recompute in time")


def test_a_ping_through_the_api_updates_the_etas_through_the_worker(eta_worker):
    now = timezone.now().replace(microsecond=0)
    route, client = _route("IT1", now)
    response = client.post(
        "/api/v1/pings/",
        {"pings": [{"time": now.isoformat(), "latitude": 52.52, "longitude": 13.405}]},
        format="json",
    )
    assert response.status_code == 201, response.content
    sent = time.monotonic()

    _wait(lambda: RouteEta.objects.filter(route=route, ping_time=now).exists())

    assert time.monotonic() - sent < 30
    stops = list(route.stops.order_by("sequence"))
    assert all(s.eta and s.eta_low <= s.eta <= s.eta_high for s in stops)
    assert stops[0].eta < stops[1].eta < stops[2].eta
    assert RouteEta.objects.get(route=route).computations == 1


def test_pings_of_many_routes_are_each_recomputed_once(eta_worker):
    now = timezone.now().replace(microsecond=0)
    made = [_route(f"IT{k}", now) for k in range(2, 6)]
    for _made_route, client in made:
        response = client.post(
            "/api/v1/pings/",
            {"pings": [{"time": now.isoformat(), "latitude": 52.51, "longitude": 13.41}]},
            format="json",
        )
        assert response.status_code == 201, response.content
    ids = [route.pk for route, _ in made]

    _wait(lambda: RouteEta.objects.filter(route__in=ids, ping_time=now).count() == len(ids))

    time.sleep(1.5)  # a second recompute would have happened by now
    assert list(RouteEta.objects.filter(route__in=ids).values_list("computations", flat=True)) == [
        1
    ] * len(ids)
    assert Stop.objects.filter(route__in=ids, eta__isnull=False).count() == 3 * len(ids)
