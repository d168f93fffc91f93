"""A small self-contained world for simulations on an empty database (the ETA benchmark and
the simulator's tests): one depot with storage and dispatch locations, stocked products,
vans and their drivers (users with the driver role and a password), and shift templates.
Made through the inventory services where they exist; idempotent by code.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction

from core.roles import Role
from inventory.models import Location, Product, Warehouse
from inventory.services import stock_receive
from inventory.services.catalog import location_create, product_create, warehouse_create
from routing.models import Driver, Shift, Vehicle
from simulator.player import DEMO_PASSWORD


@transaction.atomic
def world_create(
    *,
    depot_code: str = "SIM",
    vehicles: int = 6,
    centre: tuple[float, float] = (52.52, 13.405),
    password: str = DEMO_PASSWORD,
    shift_hours: tuple[int, int] = (8, 17),
    break_s: int = 30 * 60,
) -> tuple[Warehouse, list[Shift]]:
    """The depot and one shift template per van (dated 2000-01-01; copy them to real days
    with `simulator.days.shifts_copy`)."""
    depot = Warehouse.objects.filter(code=depot_code).first() or warehouse_create(
        code=depot_code,
        name=f"Simulated depot {depot_code}",
        city="Berlin",
        country_code="DE",
        latitude=Decimal(str(centre[0])),
        longitude=Decimal(str(centre[1])),
        timezone="Europe/Berlin",
        opening_time=dt.time(6, 0),
        closing_time=dt.time(22, 0),
    )
    storage = Location.objects.filter(warehouse=depot, code="S-01").first() or location_create(
        warehouse=depot, code="S-01", kind=Location.Kind.STORAGE
    )
    if not Location.objects.filter(warehouse=depot, kind=Location.Kind.DISPATCH).exists():
        location_create(warehouse=depot, code="D-01", kind=Location.Kind.DISPATCH)
    for n in range(1, 6):
        sku = f"{depot_code}-P{n}"
        if not Product.objects.filter(sku=sku).exists():
            product = product_create(
                sku=sku,
                name=f"Parcel type {n}",
                weight_kg=Decimal("2.5") * n,
                volume_m3=Decimal("0.010") * n,
            )
            stock_receive(product=product, location=storage, quantity=2000, reference="SIM")
    group, _ = Group.objects.get_or_create(name=Role.DRIVER)
    template_day = dt.date(2000, 1, 1)
    start, end = shift_hours
    shifts = []
    for n in range(1, vehicles + 1):
        username = f"{depot_code.lower()}-driver{n}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username, password=password, first_name=f"Driver {n}"
            )
        user.groups.add(group)
        driver, _ = Driver.objects.get_or_create(user=user)
        vehicle, _ = Vehicle.objects.get_or_create(
            code=f"{depot_code}-V{n:02d}",
            defaults={
                "name": f"Van {n}",
                "depot": depot,
                "capacity_weight_kg": Decimal(1200),
                "capacity_volume_m3": Decimal(12),
                "capacity_units": 300,
                "cost_per_km": Decimal("0.45"),
                "cost_per_hour": Decimal(28),
                "fixed_cost": Decimal(40),
            },
        )
        shift, _ = Shift.objects.get_or_create(
            vehicle=vehicle,
            date=template_day,
            defaults={
                "driver": driver,
                "start_time": dt.time(start, 0),
                "end_time": dt.time(end, 0),
                "break_earliest": dt.time(start + 4, 0) if break_s else None,
                "break_latest": dt.time(start + 5, 0) if break_s else None,
                "break_duration_s": break_s,
            },
        )
        shifts.append(shift)
    return depot, shifts
