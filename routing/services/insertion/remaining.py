"""The rest of one live route as a solver Problem: from where its vehicle is, to its depot.

The vehicle "starts" at its last completed or arrived stop (or its depot when nothing is done)
no earlier than now and than it left (or will leave) that stop; the driver's breaks already
behind it are dropped, the others may start no earlier than that moment; the load on board is
what the remaining stops still need (the checker's rule), so deliveries made no longer count.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from core.geo import point_of
from orders.models import CustomerOrder
from routing.models import Stop, StopStatus
from routing.services.problem import Demand, PlanProblem, _solver_stop
from routing.solver import Break, Depot, Problem, TimeWindow
from routing.solver import Stop as SolverStop
from routing.solver.insertion import SHIFT_EXCEEDED
from routing.solver.model import DAY_S

NO_LIVE_ROUTE = "no_live_route"


@dataclass
class RemainingProblem:
    problem: Problem | None
    sequence: list[str] = field(default_factory=list)
    depart_s: int = 0
    reason: str = ""
    message: str = ""


def stop_ref(stop: Stop) -> str:
    """The stop's id in the solver: the return's reference for a pickup, else the order's."""
    return stop.ret.reference if getattr(stop, "ret_id", None) else stop.order.reference


def candidate_stop(ctx: PlanProblem, order: CustomerOrder, demand: Demand) -> SolverStop:
    """The order as the optimiser would see it in this plan (windows, service, skills)."""
    ctx.demand.setdefault(order.reference, demand)
    return _solver_stop(ctx, order)


def _ready(ctx: PlanProblem, done: list[Stop], now: dt.datetime) -> dt.datetime:
    last = done[-1]
    if last.status == StopStatus.ARRIVED:
        left = (last.arrived_at or now) + dt.timedelta(seconds=last.order.service_time_s)
    else:
        left = last.departed_at or last.planned_departure
    return max(now, left)


def route_remaining_problem(
    ctx: PlanProblem, vid: str, rows: list[Stop], candidate: SolverStop, now: dt.datetime
) -> RemainingProblem:
    """The Problem of vehicle `vid`'s planned stops (`rows`: the route's stops in order) plus
    `candidate`, starting where and when the vehicle can go on."""
    base = ctx.problem
    vehicle = next((v for v in base.vehicles if v.id == vid), None)
    if vehicle is None:
        return RemainingProblem(None, reason=NO_LIVE_ROUTE, message=f"{vid} has no shift.")
    done = [s for s in rows if s.status != StopStatus.PLANNED]
    rest = [stop_ref(s) for s in rows if s.status == StopStatus.PLANNED]
    depots = {d.id: d for d in base.depots}
    start = depots[vehicle.start_depot]
    if done:
        origin = point_of(done[-1].order)
        ready = ctx.seconds(_ready(ctx, done, now))
    else:
        origin = start.location
        ready = max(ctx.seconds(now), vehicle.shift.start_s, start.window.start_s)
    if ready >= vehicle.shift.end_s:
        return RemainingProblem(None, reason=SHIFT_EXCEEDED, message=f"The shift of {vid} is over.")
    route = ctx.routes.get(vid)
    planned = sorted(
        ctx.seconds(dt.datetime.fromisoformat(b["start"])) for b in (route.breaks if route else [])
    )
    breaks = []
    for k, rule in enumerate(sorted(vehicle.breaks, key=lambda b: b.earliest_s)):
        start_s = planned[k] if k < len(planned) else rule.latest_s
        if start_s + rule.duration_s <= ready or rule.latest_s < ready:
            continue
        breaks.append(Break(max(rule.earliest_s, ready), rule.latest_s, rule.duration_s))
    here = Depot(f"@{vid}", origin, TimeWindow(ready, 2 * DAY_S))
    sub_vehicle = dataclasses.replace(
        vehicle,
        start_depot=here.id,
        end_depot=vehicle.end_depot_id,
        shift=TimeWindow(ready, vehicle.shift.end_s),
        breaks=tuple(breaks),
    )
    by_id = {s.id: s for s in base.stops}
    stops = [by_id[ref] for ref in rest if ref in by_id] + [candidate]
    ids = {s.id for s in stops}
    problem = Problem(
        depots=[here, *base.depots],
        vehicles=[sub_vehicle],
        stops=stops,
        pairs=[p for p in base.pairs if p.pickup in ids and p.delivery in ids],
        objective=base.objective,
        name=f"{base.name}/{vid}",
    )
    return RemainingProblem(problem, [ref for ref in rest if ref in by_id], ready)
