"""Routing demo data: 10 vehicles with drivers and shifts today at the demo depots, and today's
plan optimised for real (a few seconds) and published. Idempotent: a second run the same day
changes nothing; on a new day it adds that day's shifts and plan.

It needs the inventory demo depots. Orders come from the orders demo data when it has packed
orders for today; otherwise a small set is created here through the orders services (create,
confirm, pick, pack), so the map always shows real routes.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.models import Group, User

from core import timefmt
from core.exceptions import DomainError
from core.roles import Role
from inventory.models import Product, Stock, Warehouse
from orders.models import CustomerOrder, OrderStatus
from routing import services
from routing.demo_extras import seed_handover_orders, seed_week_shifts
from routing.models import Driver, Plan, Shift, Vehicle

DEMO_PASSWORD = "waybill-demo"  # noqa: S105 (documented demo login)
# (code, name, depot, kg, m³, units, €/km, €/h, fixed €, skills)
VEHICLES = [
    ("BER-V01", "Sprinter 1", "BER", 1200, 12, 300, "0.45", "28", "40", []),
    ("BER-V02", "Sprinter 2", "BER", 1200, 12, 300, "0.45", "28", "40", []),
    ("BER-V03", "Cool van", "BER", 900, 9, 250, "0.55", "30", "50", ["refrigerated"]),
    ("BER-V04", "Cargo bike 1", "BER", 120, 1, 40, "0.05", "22", "10", []),
    ("BER-V05", "Box truck", "BER", 3000, 30, 600, "0.80", "32", "80", ["tail_lift"]),
    ("BER-V06", "Crafter", "BER", 1100, 11, 280, "0.45", "28", "40", ["two_person"]),
    ("HAM-V01", "Sprinter 3", "HAM", 1200, 12, 300, "0.45", "28", "40", []),
    ("HAM-V02", "Sprinter 4", "HAM", 1200, 12, 300, "0.45", "28", "40", ["two_person"]),
    ("HAM-V03", "Cool van 2", "HAM", 900, 9, 250, "0.55", "30", "50", ["refrigerated"]),
    ("HAM-V04", "Box truck 2", "HAM", 3000, 30, 600, "0.80", "32", "80", ["tail_lift"]),
]
DRIVERS = ["driver"] + [f"driver{n}" for n in range(2, 11)]
FIRST_NAMES = ["Dirk", "Lena", "Omar", "Sofia", "Jan", "Mia", "Can", "Ella", "Noah", "Ida"]
# Demo orders when the orders demo has none for today: centre and spread (degrees) per depot.
AREAS = {"BER": (52.515, 13.40, 0.09, 0.16, 36), "HAM": (53.56, 10.0, 0.06, 0.12, 20)}
PLAN_TIME_LIMIT_S = 6  # per depot plan; breaks need OR-Tools, which wants ~6 s for 80 stops


def seed_routing(*, stdout) -> None:
    depots = {w.code: w for w in Warehouse.objects.filter(code__in=["BER", "HAM"])}
    if len(depots) < 2:
        stdout.write("Routing: inventory demo depots missing, skipped.")
        return
    today = timefmt.today(depots.values())  # the depots' date, as the orders demo's
    vehicles = _vehicles(depots)
    shifts = _shifts(vehicles, _drivers(), today)
    dispatcher = User.objects.filter(username="dispatcher").first()
    seed_week_shifts(shifts=shifts, today=today, stdout=stdout)
    # One plan per depot, as a dispatcher would plan them.
    for code, depot in sorted(depots.items()):
        if Plan.objects.filter(date=today, depots=depot, created_by=dispatcher).exists():
            stdout.write(f"Routing: today's {code} plan already exists.")
            continue
        _plan_depot(
            depot,
            [s for s in shifts if s.vehicle.depot_id == depot.pk],
            today,
            dispatcher,
            stdout,
        )
        seed_handover_orders(depot=depot, today=today, user=dispatcher, stdout=stdout)


def _plan_depot(depot, shifts, today, dispatcher, stdout) -> None:
    orders = _orders_for_today({depot.code: depot}, today)
    if not orders or not shifts:
        stdout.write(f"Routing: no plannable orders or shifts at {depot.code} today, no plan.")
        return
    plan = services.plan_create(
        date=today,
        depots=[depot],
        orders=orders,
        shifts=shifts,
        user=dispatcher,
        time_limit_s=PLAN_TIME_LIMIT_S,
    )
    job = services.plan_optimize(plan=plan, user=dispatcher, enqueue=False)
    job = services.job_execute(job_id=job.pk)
    plan.refresh_from_db()
    if job is None or job.status != "succeeded":
        stdout.write(f"Routing: plan {plan.reference} could not be optimised: {job and job.error}")
        return
    try:
        services.plan_publish(plan=plan, user=dispatcher)
        state = "published"
    except DomainError as exc:
        state = f"left ready ({exc.detail})"
    stdout.write(
        f"Routing: {depot.code} plan {plan.reference}: {plan.routes.count()} routes for "
        f"{len(orders)} orders ({len(plan.unassigned)} unassigned), {state}."
    )


def _vehicles(depots) -> list[Vehicle]:
    out = []
    for code, name, depot, kg, m3, units, per_km, per_h, fixed, skills in VEHICLES:
        vehicle, _ = Vehicle.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "depot": depots[depot],
                "capacity_weight_kg": Decimal(kg),
                "capacity_volume_m3": Decimal(m3),
                "capacity_units": units,
                "cost_per_km": Decimal(per_km),
                "cost_per_hour": Decimal(per_h),
                "fixed_cost": Decimal(fixed),
                "skills": skills,
            },
        )
        out.append(vehicle)
    return out


def _drivers() -> list[Driver]:
    group = Group.objects.get(name=Role.DRIVER)
    out = []
    for n, username in enumerate(DRIVERS):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": FIRST_NAMES[n],
                "last_name": "Driver",
                "email": f"{username}@waybill.example",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(group)
        driver, _ = Driver.objects.get_or_create(
            user=user, defaults={"phone": f"+49 30 555 01{n:02d}"}
        )
        out.append(driver)
    return out


def _shifts(vehicles, drivers, day: dt.date) -> list[Shift]:
    out = []
    for n, (vehicle, driver) in enumerate(zip(vehicles, drivers, strict=True)):
        shift = Shift.objects.filter(date=day, vehicle=vehicle).first()
        if shift is None and not Shift.objects.filter(date=day, driver=driver).exists():
            # Early and late shifts alternate so evening windows are covered too; ten hours
            # each, ending no later than the depot closes, with a 30 min break mid-shift.
            closing = vehicle.depot.closing_time.hour
            start = 7 if n % 2 == 0 else min(11, closing - 10)
            shift = Shift.objects.create(
                driver=driver,
                vehicle=vehicle,
                date=day,
                start_time=dt.time(start, 0),
                end_time=dt.time(min(start + 10, closing), 0),
                break_earliest=dt.time(start + 4, 0),
                break_latest=dt.time(start + 6, 0),
                break_duration_s=30 * 60,
            )
        if shift is not None:
            out.append(shift)
    return out


def _orders_for_today(depots: dict, day: dt.date) -> list[CustomerOrder]:
    from routing.selectors import plannable_orders

    existing = [
        o
        for o in plannable_orders(date=day, depots=list(depots.values()))
        if o.status == OrderStatus.PACKED and not o.needs_location
    ]
    if existing:
        return existing
    return demo_orders_packed(depots, day)


def demo_orders_packed(depots: dict, day: dt.date) -> list[CustomerOrder]:
    """Packed orders with windows on `day` at each of `depots` (code → warehouse), made through
    the orders services (created, confirmed: stock reserved, picked, packed). Today's demo plan
    uses them, and benchmarks/buttons.py for a day it plans and publishes."""
    from orders import services as order_services

    rng = random.Random(f"routing-demo-{day}")
    out = []
    for code, depot in depots.items():
        lat, lon, dlat, dlon, count = AREAS[code]
        tz = depot.tzinfo
        products = list(
            Product.objects.filter(
                is_active=True, stock__location__warehouse=depot, stock__on_hand__gt=20
            )
            .distinct()
            .order_by("sku")[:30]
        )
        if not products or not Stock.objects.filter(location__warehouse=depot).exists():
            continue
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
        for n in range(count):
            start_h = rng.choice([8, 9, 10, 11, 12, 13, 14, 15])
            length_h = rng.choice([2, 3, 4, 8])
            try:
                order = order_services.order_create(
                    warehouse=depot,
                    customer_name=f"Demo customer {code}-{n + 1:02d}",
                    address=f"Demo street {n + 1}, {depot.city}",
                    latitude=Decimal(str(round(lat + rng.uniform(-dlat, dlat), 6))),
                    longitude=Decimal(str(round(lon + rng.uniform(-dlon, dlon), 6))),
                    window_start=midnight + dt.timedelta(hours=start_h),
                    window_end=midnight + dt.timedelta(hours=min(start_h + length_h, 19)),
                    service_time_s=rng.choice([180, 300, 420]),
                    lines=[
                        {"product": p, "quantity": rng.randint(1, 3)}
                        for p in rng.sample(products, k=min(len(products), rng.randint(1, 3)))
                    ],
                    now=midnight,
                )
                order_services.order_confirm(order=order)
                order_services.order_pick(order=order)
                order_services.order_pack(order=order)
            except DomainError:
                continue  # short stock etc.: the order simply stays out of the demo plan
            out.append(order)
    return out
