"""A small delivery day around a Berlin depot, planned through routing.services."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from routing import services
from tests.factories import (
    CustomerOrderFactory,
    OrderLineFactory,
    ProductFactory,
    ShiftFactory,
    VehicleFactory,
    WarehouseFactory,
)

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def _fast_routing(settings):
    settings.ROUTING_PROGRESS_INTERVAL_S = 0.2
    settings.ROUTING_EDIT_CHECK_TIME_LIMIT_S = 0.5


@pytest.fixture
def plan_date():
    return dt.date.today() + dt.timedelta(days=1)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


@pytest.fixture
def depot(db):
    return WarehouseFactory(
        code="BER1", latitude=Decimal("52.520000"), longitude=Decimal("13.405000")
    )


@pytest.fixture
def product(db):
    return ProductFactory(sku="BOX-10", weight_kg=Decimal("10.000"), volume_m3=Decimal("0.050000"))


@pytest.fixture
def make_order(depot, product, plan_date):
    """An order of `qty` 10 kg boxes with a window on the plan day (hours in Berlin time)."""

    def _make(n: int = 0, *, qty: int = 1, window=(8, 18), **kwargs):
        kwargs.setdefault("latitude", Decimal("52.500000") + Decimal(n % 7) * Decimal("0.01"))
        kwargs.setdefault("longitude", Decimal("13.350000") + Decimal(n % 5) * Decimal("0.02"))
        order = CustomerOrderFactory(
            warehouse=depot,
            window_start=at(plan_date, *window[:1]),
            window_end=at(plan_date, *window[1:]),
            service_time_s=300,
            **kwargs,
        )
        OrderLineFactory(order=order, product=product, quantity=qty)
        return order

    return _make


@pytest.fixture
def make_shift(depot, plan_date):
    def _make(code: str, **kwargs):
        vehicle_kwargs = {k[8:]: kwargs.pop(k) for k in list(kwargs) if k.startswith("vehicle_")}
        vehicle = VehicleFactory(code=code, depot=depot, **vehicle_kwargs)
        kwargs.setdefault("date", plan_date)
        return ShiftFactory(vehicle=vehicle, **kwargs)

    return _make


@pytest.fixture
def make_plan(depot, plan_date, make_order, make_shift):
    """A draft plan with `orders` orders and `vehicles` vans (codes VAN1..)."""

    def _make(orders: int = 6, vehicles: int = 2, *, time_limit_s: int = 1, user=None):
        order_rows = [make_order(n) for n in range(orders)]
        shifts = [make_shift(f"VAN{k + 1}") for k in range(vehicles)]
        return services.plan_create(
            date=plan_date,
            depots=[depot],
            orders=order_rows,
            shifts=shifts,
            time_limit_s=time_limit_s,
            user=user,
        )

    return _make


@pytest.fixture
def optimize(django_capture_on_commit_callbacks):
    """Start a job and run it: Celery is eager in unit tests, and the task is sent on commit."""

    def _run(plan, **kwargs):
        kwargs.setdefault("time_limit_s", 0.3)  # tiny problems: the solver needs no more
        with django_capture_on_commit_callbacks(execute=True):
            job = services.plan_optimize(plan=plan, **kwargs)
        job.refresh_from_db()
        plan.refresh_from_db()
        return job

    return _run


@pytest.fixture
def optimised_plan(make_plan, optimize):
    """A plan optimised in-process."""

    def _make(**kwargs):
        plan = make_plan(**kwargs)
        job = optimize(plan)
        assert job.status == "succeeded", job.error
        return plan

    return _make
