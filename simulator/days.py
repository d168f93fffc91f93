"""Delivery days for the simulator: read published routes as `SimRoute`s, and make new days
(orders through the orders services, shifts, a plan optimised and published through the
routing services) — for the looping demo and for the ETA benchmark.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Prefetch, Sum

from core.exceptions import DomainError, InsufficientStock
from core.geo import point_of
from inventory.models import Location, Product, Stock, Warehouse
from orders import services as order_services
from orders.models import CustomerOrder, OrderStatus
from routing import services as routing_services
from routing.models import Plan, PlanStatus, Route, RouteStatus, Shift, Stop, StopStatus
from routing.services import travel_provider
from simulator.engine import LegModel, SimBreak, SimRoute, SimStop
from tracking.eta import seconds_of_day

Solve = Callable  # (PlanProblem) -> routing.solver.Solution


def leg_model() -> LegModel:
    """The optimiser's travel-time model (haversine by hour, or OSRM when configured)."""
    provider = travel_provider()

    def seconds(a, b, depart_at: dt.datetime) -> float:
        tz = depart_at.tzinfo
        matrices = provider.matrices([a, b], seconds_of_day(depart_at, tz))
        return float(matrices.duration_s[0][1])

    return seconds


def sim_routes(
    *, plans, now: dt.datetime | None = None, hand_driven: tuple[str, ...] = ()
) -> list[SimRoute]:
    """The routes of `plans` that still have work, as the simulator plays them. A route the
    driver already started resumes at `now`: from its last completed stop (or the depot),
    with an arrived stop completed first. Routes of the `hand_driven` usernames are left to
    the person driving them in the driver app."""
    routes = (
        Route.objects.filter(plan__in=plans, plan__status=PlanStatus.PUBLISHED)
        .exclude(status=RouteStatus.COMPLETED)
        .exclude(driver__isnull=True)
        .exclude(driver__user__username__in=hand_driven)
        .select_related("plan", "vehicle__depot", "driver__user")
        .prefetch_related(
            Prefetch("stops", queryset=Stop.objects.select_related("order").order_by("sequence"))
        )
        .order_by("plan__date", "plan_id", "sequence")
    )
    out = []
    for route in routes:
        stops = list(route.stops.all())
        todo = [s for s in stops if s.status in (StopStatus.PLANNED, StopStatus.ARRIVED)]
        if not todo:
            continue
        depot = route.vehicle.depot
        origin = point_of(depot)
        start_at = route.start_at
        started = route.status != RouteStatus.PLANNED or (
            hasattr(route, "eta") and bool(route.eta.started_at)
        )
        done = [s for s in stops if s.is_done and s.departed_at and s.status != StopStatus.SKIPPED]
        if started:
            if done:
                last = max(done, key=lambda s: s.departed_at)
                origin, start_at = point_of(last.order), last.departed_at
            start_at = max(start_at, now) if now else start_at
        breaks = tuple(
            SimBreak(dt.datetime.fromisoformat(b["start"]), int(b["duration_s"]))
            for b in route.breaks or []
            if dt.datetime.fromisoformat(b["start"]) >= start_at
        )
        out.append(
            SimRoute(
                key=route.pk,
                driver=route.driver.user.get_username(),
                origin=origin,
                start_at=start_at,
                tz=depot.tzinfo,
                stops=tuple(
                    SimStop(
                        key=s.pk,
                        ref=s.order.reference,
                        point=point_of(s.order),
                        service_s=s.order.service_time_s,
                        window_start=s.window_start or s.order.window_start,
                        arrived_at=s.arrived_at if s.status == StopStatus.ARRIVED else None,
                    )
                    for s in todo
                ),
                breaks=breaks,
                started=started,
                day=route.plan.date.isoformat(),
            )
        )
    return out


# --- making days ------------------------------------------------------------------------------


def _replenish(*, warehouse: Warehouse, products, quantity: int = 500) -> None:
    """Top up stock the simulated days consume (a real warehouse gets deliveries too)."""
    from inventory.services import stock_receive

    location = (
        Location.objects.filter(warehouse=warehouse, kind=Location.Kind.STORAGE, is_active=True)
        .order_by("code")
        .first()
    )
    if location is None:
        return
    for product in products:
        stock_receive(
            product=product,
            location=location,
            quantity=quantity,
            reference="SIM-REPLENISH",
            reason="Fleet simulator replenishment",
        )


def _stocked_products(warehouse: Warehouse, limit: int = 20) -> list[Product]:
    rows = (
        Stock.objects.filter(location__warehouse=warehouse, product__is_active=True)
        .values("product")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
        .order_by("product")
    )
    ids = [r["product"] for r in rows if r["on_hand"] - r["reserved"] > 50][:limit]
    # Products without a shelf life: replenishing them needs no lot or expiry date.
    return list(Product.objects.filter(pk__in=ids, shelf_life_days__isnull=True).order_by("sku"))


def orders_create(
    *,
    warehouse: Warehouse,
    date: dt.date,
    count: int,
    rng: random.Random,
    spread_deg: tuple[float, float] = (0.08, 0.13),
    window_hours: tuple[int, int] = (8, 18),
    prefix: str = "Sim",
) -> list[CustomerOrder]:
    """`count` packed orders for `date` around `warehouse` (created, confirmed, picked and
    packed through the orders services). Short stock is replenished once."""
    tz = warehouse.tzinfo
    midnight = dt.datetime.combine(date, dt.time(0), tzinfo=tz)
    products = _stocked_products(warehouse)
    if len(products) < 3:
        _replenish(
            warehouse=warehouse,
            products=Product.objects.filter(is_active=True, shelf_life_days__isnull=True)[:10],
        )
        products = _stocked_products(warehouse)
    if not products:
        return []
    lat0, lon0 = float(warehouse.latitude), float(warehouse.longitude)
    first, last = window_hours
    out = []
    for n in range(count):
        length = rng.choice([2, 3, 4, 10])
        start = rng.randint(first, max(first, last - min(length, last - first)))
        end = min(start + length, last)
        lines = [
            {"product": p, "quantity": rng.randint(1, 2)}
            for p in rng.sample(products, k=min(len(products), rng.randint(1, 2)))
        ]
        order = order_services.order_create(
            warehouse=warehouse,
            customer_name=f"{prefix} customer {date:%m%d}-{n + 1:03d}",
            customer_email=f"customer{n + 1}@sim.example",
            address=f"{prefix} street {n + 1}, {warehouse.city or warehouse.code}",
            latitude=Decimal(str(round(lat0 + rng.uniform(-1, 1) * spread_deg[0], 6))),
            longitude=Decimal(str(round(lon0 + rng.uniform(-1, 1) * spread_deg[1], 6))),
            window_start=midnight + dt.timedelta(hours=start),
            window_end=midnight + dt.timedelta(hours=end),
            service_time_s=rng.choice([120, 180, 240, 300, 420]),
            lines=lines,
            now=midnight - dt.timedelta(days=1),
        )
        try:
            try:
                order_services.order_confirm(order=order)
            except InsufficientStock:
                _replenish(warehouse=warehouse, products=[line["product"] for line in lines])
                order_services.order_confirm(order=order)
            order_services.order_pick(order=order)
            order_services.order_pack(order=order)
        except DomainError:
            order_services.order_cancel(order=order, reason="Simulator: could not prepare.")
            continue
        out.append(order)
    return out


def shifts_copy(*, date: dt.date, template: list[Shift]) -> list[Shift]:
    """Shifts on `date` like `template` (same drivers, vehicles, hours and breaks)."""
    out = []
    for shift in template:
        existing = Shift.objects.filter(date=date, vehicle=shift.vehicle).first()
        if existing is None and not Shift.objects.filter(date=date, driver=shift.driver).exists():
            existing = Shift.objects.create(
                driver=shift.driver,
                vehicle=shift.vehicle,
                date=date,
                start_time=shift.start_time,
                end_time=shift.end_time,
                break_earliest=shift.break_earliest,
                break_latest=shift.break_latest,
                break_duration_s=shift.break_duration_s,
            )
        if existing is not None:
            out.append(existing)
    return out


def plan_day(
    *,
    date: dt.date,
    depot: Warehouse,
    orders: list[CustomerOrder],
    shifts: list[Shift],
    user=None,
    time_limit_s: int = 5,
    solve: Solve | None = None,
) -> Plan | None:
    """Create, optimise and publish a plan for `depot` on `date` through the routing
    services. `solve(ctx)` replaces the optimiser's search (the benchmark passes a
    deterministic one); by default the job runs the normal time-limited optimiser."""
    if not orders or not shifts:
        return None
    plan = routing_services.plan_create(
        date=date, depots=[depot], orders=orders, shifts=shifts, user=user,
        time_limit_s=time_limit_s,
    )  # fmt: skip
    job = routing_services.plan_optimize(plan=plan, user=user, enqueue=False)
    if solve is None:
        job = routing_services.job_execute(job_id=job.pk)
    else:
        from routing.services.jobs import job_build

        job = routing_services.job_claim(job_id=job.pk)
        ctx = job_build(job=job)
        job = routing_services.job_complete(job_id=job.pk, ctx=ctx, solution=solve(ctx))
    plan.refresh_from_db()
    if job is None or job.status != "succeeded":
        return None
    return routing_services.plan_publish(plan=plan, user=user)


def demo_day_create(
    *, date: dt.date, seed: int = 0, stops: int = 150, user=None, log=print
) -> list[Plan]:
    """A new demo day on `date`: the latest day's shifts copied, `stops` orders spread over the
    depots in proportion to their vehicles, one optimised and published plan per depot."""
    published = Plan.objects.filter(date=date, status=PlanStatus.PUBLISHED)
    if published.exists():
        return list(published)
    last_day = (
        Shift.objects.filter(date__lt=date).order_by("-date").values_list("date", flat=True).first()
    )
    if last_day is None:
        log("simulator: no shifts to copy; run `manage.py seed_demo` first.")
        return []
    template = list(
        Shift.objects.filter(date=last_day, vehicle__is_active=True, driver__is_active=True)
        .select_related("vehicle__depot", "driver")
        .order_by("vehicle__code")
    )
    shifts = shifts_copy(date=date, template=template)
    by_depot: dict[int, list[Shift]] = {}
    for shift in shifts:
        by_depot.setdefault(shift.vehicle.depot_id, []).append(shift)
    rng = random.Random(f"demo-day|{seed}|{date}")
    plans = []
    for depot in Warehouse.objects.filter(pk__in=by_depot).order_by("code"):
        depot_shifts = by_depot[depot.pk]
        count = round(stops * len(depot_shifts) / len(shifts))
        opening, closing = depot.opening_time.hour, depot.closing_time.hour
        hours = (max(8, opening + 1), min(20, closing - 1))
        orders = orders_create(warehouse=depot, date=date, count=count, rng=rng, window_hours=hours)
        plan = plan_day(date=date, depot=depot, orders=orders, shifts=depot_shifts, user=user)
        if plan is None:
            log(f"simulator: {depot.code} plan for {date} could not be made.")
            continue
        log(
            f"simulator: {depot.code} {date}: plan {plan.reference}, {plan.routes.count()} routes,"
            f" {plan.stops.count()} stops ({len(plan.unassigned)} unassigned)."
        )
        plans.append(plan)
    return plans


def orders_outstanding(*, plans) -> int:
    return CustomerOrder.objects.filter(
        route_stops__plan__in=plans, status=OrderStatus.OUT_FOR_DELIVERY
    ).count()


# OR-Tools' status when its time limit stopped a search before the local optimum.
LOCAL_OPTIMUM_NOT_REACHED = 2


def deterministic_solve(ctx, *, time_limit_s: float = 3600.0):
    """The optimiser's OR-Tools model searched to a local optimum (greedy descent) instead of
    for a fixed time: the same problem always gives the same plan, whatever the machine's
    load — what a repeatable benchmark needs. (The time-limited default search is better but
    depends on how much CPU it got.) The time limit is only a safety net: a descent it cut
    short would give a plan that depends on the machine's load, so that raises rather than
    returning it. (A 60-stop day of the ETA benchmark takes 1.5-3.3 s of CPU to plan and
    publish.)"""
    from routing.solver import Solution
    from routing.solver.costs import solution_units
    from routing.solver.model import COST_UNITS
    from routing.solver.ortools_engine import solve_ortools
    from routing.solver.prepare import prepare

    prepared = prepare(ctx.problem, time_limit_s, travel_provider())
    result = solve_ortools(prepared, time_limit_s, metaheuristic="GREEDY_DESCENT")
    if result is None:
        return Solution(routes=[], unassigned=list(prepared.unassigned), engine="none")
    if result.stats.get("status") == LOCAL_OPTIMUM_NOT_REACHED:
        raise RuntimeError(
            f"The greedy descent did not reach its local optimum within {time_limit_s:g} s: "
            "the plan would depend on the machine's load."
        )
    solution = Solution(
        routes=[r for r in result.routes if r.visits],
        unassigned=prepared.unassigned + result.unassigned,
        engine="ortools-greedy-descent",
        stats=dict(result.stats),
    )
    solution.cost = solution_units(prepared.problem, solution) / COST_UNITS
    return solution
