"""A live delivery day for the board, built directly as rows (like the tracking tests): a Berlin
depot, `routes` published routes fanning out from it with `stops` stops each, 07:00-19:00
shifts, and the clock pinned to `now_hour` local time on that day (tracking's simulated clock,
so ETAs, pings and the board agree whatever the real time is).

Used by the unit tests, the browser tests, `make screenshots` and benchmarks/board_load.py.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from core.roles import Role
from orders.models import OrderStatus
from routing.models import Plan, Route, Stop
from tests.factories import (
    CustomerFactory,
    CustomerOrderFactory,
    DriverFactory,
    OrderLineFactory,
    ProductFactory,
    ShiftFactory,
    UserFactory,
    VehicleFactory,
    WarehouseFactory,
)
from tracking import clock
from tracking.models import RouteEta

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
DEPOT = (52.520000, 13.405000)
FIRST = ["Lena", "Omar", "Sofia", "Jan", "Mia", "Can", "Ella", "Noah", "Ida", "Tom", "Ava", "Ben"]
STREETS = ["Torstraße", "Kastanienallee", "Sonnenallee", "Karl-Marx-Allee", "Bergmannstraße"]


@dataclass
class Day:
    day: dt.date
    now: dt.datetime
    depot: object
    plan: Plan
    product: object
    routes: list[Route] = field(default_factory=list)
    stops: list[list[Stop]] = field(default_factory=list)

    def at(self, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(hour, minute), tzinfo=BERLIN)

    def point(self, route_index: int, km: float) -> tuple[float, float]:
        """A point `km` from the depot in route `route_index`'s direction."""
        angle = 2 * math.pi * route_index / max(len(self.routes), 1)
        return _offset(DEPOT, km, angle)


def _offset(origin, km: float, angle: float) -> tuple[float, float]:
    lat = origin[0] + km * math.cos(angle) / 111.0
    lon = origin[1] + km * math.sin(angle) / (111.0 * math.cos(math.radians(origin[0])))
    return (round(lat, 6), round(lon, 6))


def _driver(n: int, code: str):
    group, _ = Group.objects.get_or_create(name=Role.DRIVER)
    user = UserFactory(
        username=f"drv-{code.lower()}",
        first_name=FIRST[n % len(FIRST)],
        last_name="Driver",
        email=f"drv-{code.lower()}@example.com",
        password=None,  # no hashing: tests log drivers in with force_login
    )
    user.groups.add(group)
    return DriverFactory(user=user, phone=f"+49 30 555 {n:04d}")


def build_day(
    *,
    routes: int = 3,
    stops: int = 6,
    now_hour: float = 10.0,
    day: dt.date | None = None,
    started: int | None = None,
    delivered: int = 2,
    small_vehicle: bool = False,
    small_stops: int = 2,
    set_clock: bool = True,
    prefix: str = "V",
) -> Day:
    """`started` routes (default all) left the depot at 08:00 with their first `delivered` stops
    done; the rest are planned. Each stop carries two 10 kg boxes. With `small_vehicle`, the
    last route is a cargo bike that can carry 50 kg."""
    day = day or timezone.now().astimezone(BERLIN).date()
    now = dt.datetime.combine(day, dt.time(0), tzinfo=BERLIN) + dt.timedelta(hours=now_hour)
    if set_clock:
        clock.clock_set(at=now, speed=1.0)
    depot = WarehouseFactory(
        code="BER",
        name="Berlin Mitte",
        latitude=Decimal(str(DEPOT[0])),
        longitude=Decimal(str(DEPOT[1])),
    )
    product = ProductFactory(sku="BOX-10", weight_kg=Decimal("10.000"), volume_m3=Decimal("0.05"))
    plan = Plan.objects.create(
        reference=f"PLN-{day.year}-{prefix}00001"[:32],
        date=day,
        status=Plan.Status.PUBLISHED,
        published_at=now - dt.timedelta(hours=4),
        time_limit_s=2,
    )
    plan.depots.add(depot)
    out = Day(day=day, now=now, depot=depot, plan=plan, product=product)
    started = routes if started is None else started
    out.routes = [None] * routes  # so Day.point knows the fan-out
    for k in range(routes):
        code = f"{prefix}{k + 1:02d}"
        small = small_vehicle and k == routes - 1
        vehicle = VehicleFactory(
            code=code,
            name="Cargo bike" if small else f"Van {k + 1}",
            depot=depot,
            capacity_weight_kg=Decimal("50" if small else "800"),
            capacity_volume_m3=Decimal("1" if small else "8"),
            capacity_units=10 if small else 200,
        )
        driver = _driver(k, code)
        shift = ShiftFactory(driver=driver, vehicle=vehicle, date=day)
        plan.shifts.add(shift)
        is_started = k < started
        start = out.at(8)
        route = Route.objects.create(
            plan=plan,
            vehicle=vehicle,
            shift=shift,
            driver=driver,
            sequence=k + 1,
            status=Route.Status.IN_PROGRESS if is_started else Route.Status.PLANNED,
            start_at=start,
            end_at=start + dt.timedelta(minutes=25 * ((small_stops if small else stops) + 1)),
            distance_m=int(2000 * (stops + 2) * 1.3),
            duration_s=25 * 60 * (stops + 1),
            load_weight_kg=Decimal(20 * stops),
            load_volume_m3=Decimal("0.1") * stops,
            load_units=2 * stops,
        )
        out.routes[k] = route
        if is_started:
            RouteEta.objects.create(route=route, started_at=start)
        route_stops = []
        for j in range(small_stops if small else stops):
            arrival = start + dt.timedelta(minutes=25 * (j + 1))
            done = is_started and j < delivered
            lat, lon = _offset(
                DEPOT,
                2.2 + 1.25 * j,
                2 * math.pi * k / routes + 0.3 * math.sin(j * 1.1 + k),
            )
            customer = CustomerFactory(
                name=f"{FIRST[(k * 7 + j) % len(FIRST)]} Customer {k + 1}-{j + 1}",
                email=f"c{k + 1}-{j + 1}-{prefix.lower()}@example.com",
                address=f"{STREETS[(k + j) % len(STREETS)]} {10 + j}, Berlin",
            )
            if done:
                status = OrderStatus.DELIVERED
            elif is_started:
                status = OrderStatus.OUT_FOR_DELIVERY
            else:
                status = OrderStatus.PLANNED
            order = CustomerOrderFactory(
                reference=f"ORD-{day.year}-{ord(prefix[0]) % 10}{k + 1:02d}{j + 1:03d}",
                customer=customer,
                warehouse=depot,
                address=customer.address,
                latitude=Decimal(str(lat)),
                longitude=Decimal(str(lon)),
                window_start=out.at(8),
                window_end=out.at(18),
                service_time_s=300,
                status=status,
                tracking_token=f"board-{prefix.lower()}-{k + 1}-{j + 1}-{'t' * 24}",
            )
            OrderLineFactory(order=order, product=product, quantity=2)
            plan.orders.add(order)
            stop = Stop.objects.create(
                plan=plan,
                route=route,
                order=order,
                sequence=j + 1,
                status=Stop.Status.DELIVERED if done else Stop.Status.PLANNED,
                planned_arrival=arrival,
                planned_start=arrival,
                planned_departure=arrival + dt.timedelta(minutes=5),
                window_start=order.window_start,
                window_end=order.window_end,
                arrived_at=arrival if done else None,
                departed_at=arrival + dt.timedelta(minutes=5) if done else None,
            )
            route_stops.append(stop)
        out.stops.append(route_stops)
    return out
