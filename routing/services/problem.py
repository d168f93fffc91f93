"""Translate a Plan into the solver's `Problem` and the solver's times back into datetimes.

Times are integer seconds from midnight of the plan's day in the plan's time zone (that of its
first depot by code); every datetime is converted through that one origin, so depots in other
zones still line up. Ids in the problem are business references: depots by warehouse code,
vehicles by vehicle code (one shift per vehicle and day), stops by order reference (deliveries)
or return reference (pickups), so solver messages ("no vehicle has skill frozen
(ORD-2026-000012)") read well as they are.

A return picked up by us is a solver stop with a `pickup` load: loaded at the customer,
carried to the vehicle's end depot, and the van's load must fit at every point of the route
(deliveries still on board plus pickups already collected).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q

from orders.models import CustomerOrder, OrderLine, Return, ReturnLine, ReturnStatus
from routing import conf
from routing.fleet.selectors import shifts_workable
from routing.models import Plan, Route, RouteStatus, Shift, Stop, StopStatus
from routing.solver import (
    Break,
    Depot,
    HaversineProvider,
    Objective,
    OSRMProvider,
    Problem,
    TimeWindow,
    TravelTimeProvider,
)
from routing.solver import Stop as SolverStop
from routing.solver import Vehicle as SolverVehicle

# Integer solver dimensions: grams, cubic centimetres, units. Demands round up and capacities
# down, so a plan the solver accepts never overloads a vehicle in real units.
WEIGHT, VOLUME, UNITS = "weight_g", "volume_cm3", "units"

_providers: dict[str, TravelTimeProvider] = {}
STARTED = (StopStatus.ARRIVED, StopStatus.DELIVERED, StopStatus.FAILED, StopStatus.SKIPPED)


def travel_provider() -> TravelTimeProvider:
    """One provider per process so its matrix cache survives between solves of a plan."""
    url = conf.get("OSRM_URL")
    key = url or "haversine"
    if key not in _providers:
        _providers[key] = OSRMProvider(url) if url else HaversineProvider()
    return _providers[key]


@dataclass(frozen=True)
class Demand:
    weight_kg: Decimal = Decimal(0)
    volume_m3: Decimal = Decimal(0)
    units: int = 0

    def as_solver(self) -> dict[str, int]:
        return {
            WEIGHT: math.ceil(self.weight_kg * 1000),
            VOLUME: math.ceil(self.volume_m3 * 1_000_000),
            UNITS: self.units,
        }

    def __add__(self, other: Demand) -> Demand:
        return Demand(
            self.weight_kg + other.weight_kg,
            self.volume_m3 + other.volume_m3,
            self.units + other.units,
        )

    def __sub__(self, other: Demand) -> Demand:
        return Demand(
            self.weight_kg - other.weight_kg,
            self.volume_m3 - other.volume_m3,
            self.units - other.units,
        )


def _values(d: Demand) -> tuple:
    return d.weight_kg, d.volume_m3, d.units


def order_demand(order: CustomerOrder) -> Demand:
    """Weight and volume of the packed parcels when there are any, else from the products;
    units are the ordered quantities. Uses prefetched `lines`/`parcels` when present."""
    lines = list(order.lines.all())
    units = sum(line.quantity for line in lines)
    parcels = list(order.parcels.all())
    if parcels:
        return Demand(
            sum((p.weight_kg for p in parcels), Decimal(0)),
            sum((p.volume_m3 for p in parcels), Decimal(0)),
            units,
        )
    return Demand(
        sum((line.product.weight_kg * line.quantity for line in lines), Decimal(0)),
        sum((line.product.volume_m3 * line.quantity for line in lines), Decimal(0)),
        units,
    )


def return_load(ret: Return) -> Demand:
    """What a return puts in the van: its lines' products times the returned quantities.
    Uses prefetched `lines` when present."""
    lines = list(ret.lines.all())
    return Demand(
        sum((li.order_line.product.weight_kg * li.quantity for li in lines), Decimal(0)),
        sum((li.order_line.product.volume_m3 * li.quantity for li in lines), Decimal(0)),
        sum(li.quantity for li in lines),
    )


def returns_for_planning():
    return Return.objects.select_related("order", "warehouse").prefetch_related(
        Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line__product"))
    )


def orders_for_planning():
    """Orders with what problem building needs, in few queries."""
    return CustomerOrder.objects.select_related("warehouse").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product")), "parcels"
    )


@dataclass
class PlanProblem:
    """A plan's Problem plus the maps back from solver ids to rows."""

    plan: Plan
    problem: Problem
    origin: dt.datetime
    orders: dict[str, CustomerOrder]
    shifts: dict[str, Shift]
    demand: dict[str, Demand]
    routes: dict[str, Route] = field(default_factory=dict)  # current routes by vehicle id
    returns: dict[str, Return] = field(default_factory=dict)  # pickups by return reference
    pickup: dict[str, Demand] = field(default_factory=dict)

    def load_profile(self, stop_ids: list[str]) -> Demand:
        """The heaviest the van gets along this sequence, per dimension: it leaves with every
        delivery, drops each at its stop and picks each return up."""
        on_board = sum((self.demand[i] for i in stop_ids if i in self.demand), Demand())
        peak = [on_board.weight_kg, on_board.volume_m3, on_board.units]
        for i in stop_ids:
            on_board = on_board - self.demand.get(i, Demand()) + self.pickup.get(i, Demand())
            peak = [max(p, v) for p, v in zip(peak, _values(on_board), strict=True)]
        return Demand(*peak)

    def at(self, seconds: int) -> dt.datetime:
        return self.origin + dt.timedelta(seconds=int(seconds))

    def seconds(self, moment: dt.datetime) -> int:
        return int((moment - self.origin).total_seconds())


def plan_origin(plan: Plan, depots) -> dt.datetime:
    tz = sorted(depots, key=lambda d: d.code)[0].tzinfo
    return dt.datetime.combine(plan.date, dt.time(0), tzinfo=tz)


def problem_build(*, plan: Plan, warm_start: bool = True) -> PlanProblem:
    """The plan as a solver Problem: every plan order is a stop, every approved pickup return
    of the plan (or one it already visited) a pickup stop, every plan shift a vehicle.

    Stops already started on a route (arrived, delivered, failed, skipped) are `completed` (a
    fixed prefix of their vehicle's route that never moves); locked routes and completed
    routes (the driver is back) keep their stops and order exactly; the current routes are the
    warm start.
    """
    # A shift whose driver has since taken the day off is left out (no vehicle to plan on).
    shifts = list(
        shifts_workable(plan.shifts.all())
        .select_related("vehicle__depot", "driver__user")
        .prefetch_related("extra_breaks")
        .order_by("vehicle__code")
    )
    depots = {d.code: d for d in plan.depots.all()}
    for s in shifts:
        depots.setdefault(s.vehicle.depot.code, s.vehicle.depot)
    if not depots:
        from core.exceptions import ValidationFailed

        raise ValidationFailed("The plan needs at least one depot.", field="depots")
    origin = plan_origin(plan, depots.values())
    orders = list(orders_for_planning().filter(plans=plan).order_by("reference"))
    ctx = PlanProblem(
        plan=plan,
        problem=Problem(depots=[], vehicles=[], stops=[]),
        origin=origin,
        orders={o.reference: o for o in orders},
        shifts={s.vehicle.code: s for s in shifts},
        demand={o.reference: order_demand(o) for o in orders},
    )
    returns = list(
        returns_for_planning()
        .filter(plans=plan)
        .filter(
            Q(status=ReturnStatus.APPROVED, method=Return.Method.PICKUP)
            | Q(route_stops__plan=plan, route_stops__status__in=STARTED)
        )
        .distinct()
        .order_by("reference")
    )
    ctx.returns = {r.reference: r for r in returns}
    ctx.pickup = {r.reference: return_load(r) for r in returns}
    problem = ctx.problem
    problem.name = plan.reference
    problem.objective = Objective(minimise_vehicles=plan.minimise_vehicles)
    for code in sorted(depots):
        d = depots[code]
        opens = dt.datetime.combine(plan.date, d.opening_time, tzinfo=d.tzinfo)
        closes = dt.datetime.combine(plan.date, d.closing_time, tzinfo=d.tzinfo)
        problem.depots.append(
            Depot(
                code,
                (float(d.latitude), float(d.longitude)),
                TimeWindow(ctx.seconds(opens), ctx.seconds(closes)),
            )
        )
    for s in shifts:
        problem.vehicles.append(_solver_vehicle(ctx, s))
    for o in orders:
        problem.stops.append(_solver_stop(ctx, o))
    for r in returns:
        problem.stops.append(_pickup_stop(ctx, r))
    _add_current_routes(ctx, warm_start)
    return ctx


def _solver_vehicle(ctx: PlanProblem, shift: Shift) -> SolverVehicle:
    v = shift.vehicle
    breaks = tuple(
        Break(ctx.seconds(shift.at(earliest)), ctx.seconds(shift.at(latest)), duration_s)
        for earliest, latest, duration_s in shift.breaks
    )
    return SolverVehicle(
        id=v.code,
        start_depot=v.depot.code,
        shift=TimeWindow(
            ctx.seconds(shift.at(shift.start_time)), ctx.seconds(shift.at(shift.end_time))
        ),
        capacity={
            WEIGHT: math.floor(v.capacity_weight_kg * 1000),
            VOLUME: math.floor(v.capacity_volume_m3 * 1_000_000),
            UNITS: v.capacity_units,
        },
        cost_per_km=float(v.cost_per_km),
        cost_per_hour=float(v.cost_per_hour),
        fixed_cost=float(v.fixed_cost),
        skills=frozenset(shift.skills),
        breaks=breaks,
    )


def order_time_windows(order: CustomerOrder) -> list[tuple]:
    """The windows the planner keeps an order's stop in: the window promised at checkout
    while it lies inside the order's windows (a reschedule elsewhere replaces it), ending
    ROUTING_PROMISE_MARGIN_S early (at most half the window) so the van's usual lateness
    still lands inside the promise; else the order's windows."""
    promised = order.promised_window
    if promised and any(a <= promised[0] and promised[1] <= b for a, b in order.windows):
        start, end = promised
        margin = min(dt.timedelta(seconds=conf.get("ROUTING_PROMISE_MARGIN_S")), (end - start) / 2)
        return [(start, end - margin)]
    return order.windows


def _solver_stop(ctx: PlanProblem, order: CustomerOrder) -> SolverStop:
    location = None
    if not order.needs_location:
        location = (float(order.latitude), float(order.longitude))
    return SolverStop(
        id=order.reference,
        location=location,
        demand=ctx.demand[order.reference].as_solver(),
        windows=tuple(
            TimeWindow(ctx.seconds(a), ctx.seconds(b)) for a, b in order_time_windows(order)
        ),
        service_s=order.service_time_s,
        skills=frozenset(order.required_skills),
        priority=order.priority,
    )


def _pickup_stop(ctx: PlanProblem, ret: Return) -> SolverStop:
    """Collect the return's items at its pickup address, within its pickup window when the
    customer gave one (else any time of the shift); the order's service time applies. A
    pickup is optional: deliveries are promised to paying customers, so the optimiser never
    drops one to make room for a pickup; a pickup left out waits for the next plan."""
    windows = ()
    if ret.pickup_window_start and ret.pickup_window_end:
        windows = (
            TimeWindow(ctx.seconds(ret.pickup_window_start), ctx.seconds(ret.pickup_window_end)),
        )
    return SolverStop(
        id=ret.reference,
        location=(float(ret.pickup_latitude), float(ret.pickup_longitude)),
        pickup=ctx.pickup[ret.reference].as_solver(),
        windows=windows,
        service_s=ret.order.service_time_s,
        optional=True,
    )


def _add_current_routes(ctx: PlanProblem, warm_start: bool) -> None:
    problem = ctx.problem
    known = {s.id for s in problem.stops}
    routes = (
        Route.objects.filter(plan=ctx.plan)
        .select_related("vehicle", "shift")
        .prefetch_related(Prefetch("stops", queryset=Stop.objects.select_related("order", "ret")))
    )
    for route in routes:
        vid = route.vehicle.code
        ctx.routes[vid] = route
        if vid not in ctx.shifts:
            continue
        stops = sorted(route.stops.all(), key=lambda s: s.sequence)
        started = [s.ref for s in stops if s.status != StopStatus.PLANNED]
        # A planned pickup whose return was rejected meanwhile is no longer a stop.
        rest = [s.ref for s in stops if s.status == StopStatus.PLANNED and s.ref in known]
        if started:
            problem.completed[vid] = started
        # A completed route's van is back at the depot: it keeps its stops and takes no more
        # (otherwise the solver appends new stops after its completed prefix, leaving them
        # planned on a route the driver has finished).
        frozen = route.is_locked or route.status == RouteStatus.COMPLETED
        if warm_start or frozen or started:
            problem.initial_routes[vid] = started + rest
        if frozen:
            problem.locked_routes = problem.locked_routes | {vid}
