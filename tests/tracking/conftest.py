"""A hand-made delivery day: one depot in Berlin, one van with its driver, a published plan and
a route of three stops whose travel times come from an explicit matrix (so ETAs can be worked
out by hand)."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from core.roles import Role
from routing.models import Plan, Route, Stop
from routing.solver import MatrixProvider
from tests.factories import (
    CustomerFactory,
    CustomerOrderFactory,
    DriverFactory,
    OrderLineFactory,
    ShiftFactory,
    UserFactory,
    VehicleFactory,
    WarehouseFactory,
)
from tracking import clock

DEPOT = (52.520000, 13.405000)
POINTS = [DEPOT, (52.500000, 13.400000), (52.510000, 13.450000), (52.530000, 13.420000)]
# Minutes between the points above (depot, A, B, C): a hand-checkable matrix.
MINUTES = [
    [0, 10, 20, 15],
    [10, 0, 15, 20],
    [20, 15, 0, 10],
    [15, 20, 10, 0],
]


@pytest.fixture(autouse=True)
def _no_page_rate_limit(settings):
    """Tests share 127.0.0.1 within a minute; the rate-limit test sets its own limit."""
    settings.TRACKING_PAGE_RATE_LIMIT = "100000/min"


@pytest.fixture(autouse=True)
def _real_clock():
    """No simulated time leaks between tests (the clock caches its anchor per process)."""
    clock._local["read_at"] = -1e9
    yield
    clock._local["read_at"] = -1e9


@pytest.fixture
def matrix_provider(monkeypatch):
    """Travel times from MINUTES for the depot, the three stops and the `PING` position."""
    points = [*POINTS, PING]
    minutes = np.array([[*row, row[0]] for row in MINUTES] + [[*MINUTES[0], 0]])
    provider = MatrixProvider(points, minutes * 1000, minutes * 60)
    monkeypatch.setattr("routing.services.travel_provider", lambda: provider)
    return provider


# A ping position that the matrix treats like the depot (same times to every stop).
PING = (52.521000, 13.406000)


@pytest.fixture
def now():
    return timezone.now().replace(second=0, microsecond=0)


@pytest.fixture
def driver(db):
    user = UserFactory(username="dirk", email="dirk@example.com")
    user.groups.add(Group.objects.get_or_create(name=Role.DRIVER)[0])
    return DriverFactory(user=user)


@pytest.fixture
def depot(db):
    return WarehouseFactory(
        code="BER1", latitude=Decimal(str(DEPOT[0])), longitude=Decimal(str(DEPOT[1]))
    )


@pytest.fixture
def make_route(depot, driver, now):
    """A published plan today with a route through A, B, C starting at `start` (default now).
    `windows` gives each stop's (start, end) as minutes from now."""

    def _make(
        *,
        windows=((0, 180), (0, 180), (0, 180)),
        start=None,
        status="planned",
        code="VAN1",
        route_driver=None,
        emails=True,
    ):
        start = start or now
        today = now.astimezone(depot.tzinfo).date()
        vehicle = VehicleFactory(code=code, depot=depot)
        drv = route_driver or driver
        shift = ShiftFactory(driver=drv, vehicle=vehicle, date=today)
        plan = Plan.objects.create(
            reference=f"PLN-T-{code}",
            date=today,
            status=Plan.Status.PUBLISHED,
            published_at=now,
        )
        plan.depots.add(depot)
        route = Route.objects.create(
            plan=plan,
            vehicle=vehicle,
            shift=shift,
            driver=drv,
            sequence=1,
            start_at=start,
            end_at=start + dt.timedelta(hours=3),
        )
        for k, (point, window) in enumerate(zip(POINTS[1:], windows, strict=True), start=1):
            customer = CustomerFactory(email=f"c{k}-{code}@example.com" if emails else "")
            order = CustomerOrderFactory(
                customer=customer,
                warehouse=depot,
                status=status,
                latitude=Decimal(str(point[0])),
                longitude=Decimal(str(point[1])),
                window_start=now + dt.timedelta(minutes=window[0]),
                window_end=now + dt.timedelta(minutes=window[1]),
                service_time_s=300,
                contact_name=f"Customer {k}",
            )
            OrderLineFactory(order=order)
            planned = start + dt.timedelta(minutes=20 * k)
            Stop.objects.create(
                plan=plan,
                route=route,
                order=order,
                sequence=k,
                planned_arrival=planned,
                planned_start=planned,
                planned_departure=planned + dt.timedelta(minutes=5),
                window_start=order.window_start,
                window_end=order.window_end,
            )
        return route

    return _make


@pytest.fixture
def route(make_route, matrix_provider):
    return make_route()


def stops_of(route):
    return list(route.stops.select_related("order").order_by("sequence"))


@pytest.fixture
def make_user_driver(db):
    def _make(username):
        user = UserFactory(username=username)
        user.groups.add(Group.objects.get_or_create(name=Role.DRIVER)[0])
        DriverFactory(user=user)
        return user

    return _make
