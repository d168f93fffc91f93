"""PyVRP adapter for the problems PyVRP can represent exactly.

PyVRP 0.14 covers multiple depots, heterogeneous vehicle types, multi-dimensional capacity,
one time window per client, optional clients with prizes, service durations, fixed costs,
shift duration and distance limits. It has no skills, breaks, multiple windows or locks, and
we do not map pickup-delivery pairs, so those problems go to OR-Tools (`supports` says why).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
import pyvrp
from pyvrp.stop import StoppingCriterion

from .costs import drop_penalty, vehicle_rates
from .model import COST_UNITS, Problem, Unassigned
from .ortools_engine import EngineResult
from .prepare import Prepared, active_matrix
from .schedule import timed_route

INF = 2**62  # "no limit"; far below int64 max so PyVRP's sums cannot overflow
INFEASIBLE = 2**63 - 1  # PyVRP's cost of an infeasible solution


def supports(prepared: Prepared) -> str | None:
    """None if PyVRP can solve the problem as stated, else the first reason it cannot."""
    p = prepared.problem
    n_vehicles = len(p.vehicles)
    if p.pairs:
        return "pickup-delivery pairs"
    if any(v.breaks for v in p.vehicles):
        return "breaks"
    if p.completed or p.locked_routes or any(s.locked_vehicle for s in p.stops):
        return "locked or completed stops"
    if any(len(p.stops[i].windows) > 1 for i in prepared.active):
        return "multiple time windows"
    if any(len(prepared.allowed[i]) < n_vehicles for i in prepared.active):
        return "skills or vehicle-specific reachability"
    return None


class _Stop(StoppingCriterion):
    """Stops at the deadline or on cancellation; reports each new best cost as progress."""

    # PyVRP reports int64 max while it has no feasible solution. If that lasts for this share
    # of its budget we give up, so the OR-Tools fallback (which drops stops instead of failing)
    # gets enough time to produce a plan.
    GIVE_UP_SHARE = 0.4

    def __init__(self, limit_s: float, progress, cancel_event: threading.Event | None) -> None:
        self.deadline = time.perf_counter() + limit_s
        self.give_up = time.perf_counter() + limit_s * self.GIVE_UP_SHARE
        self.started = time.perf_counter()
        self.progress = progress
        self.cancel_event = cancel_event
        self.best: int | None = None
        self.trace: list[tuple[float, int]] = []

    def __call__(self, best_cost: int) -> bool:
        now = time.perf_counter()
        if self.best is None or best_cost < self.best:
            self.best = best_cost
            self.trace.append((now - self.started, best_cost))
            if self.progress and best_cost < INFEASIBLE:
                self.progress(best_cost / COST_UNITS, now - self.started)
        cancelled = self.cancel_event is not None and self.cancel_event.is_set()
        hopeless = best_cost >= INFEASIBLE and now >= self.give_up
        return cancelled or hopeless or now >= self.deadline


def build_data(prepared: Prepared) -> tuple[pyvrp.ProblemData, list[list[int]]]:
    """ProblemData over depots + active stops, and the vehicles behind each vehicle type."""
    p = prepared.problem
    idx = active_matrix(prepared)
    points = [pt if pt is not None else (0.0, 0.0) for pt in p.points]
    locations = [pyvrp.Location(x=float(points[i][0]), y=float(points[i][1])) for i in idx]
    depots = [
        pyvrp.Depot(location=k, tw_early=d.window.start_s, tw_late=d.window.end_s)
        for k, d in enumerate(p.depots)
    ]
    dims = p.dimensions()
    nd = len(p.depots)
    clients = []
    for k, i in enumerate(prepared.active):
        s = p.stops[i]
        w = s.windows[0] if s.windows else None
        clients.append(
            pyvrp.Client(
                location=nd + k,
                delivery=[s.demand.get(dim, 0) for dim in dims],
                service_duration=s.service_s,
                tw_early=w.start_s if w else 0,
                tw_late=w.end_s if w else INF,
                prize=drop_penalty(p, s) if s.optional else 0,
                required=not s.optional,
                name=s.id,
            )
        )
    depot_index = p.node_of_depot()
    types: dict[tuple, list[int]] = {}
    for v, vehicle in enumerate(p.vehicles):
        r = vehicle_rates(p, vehicle)
        key = (
            tuple(vehicle.capacity.get(dim, INF) for dim in dims),
            depot_index[vehicle.start_depot],
            depot_index[vehicle.end_depot_id],
            r.fixed,
            vehicle.shift.start_s,
            vehicle.shift.end_s,
            vehicle.max_duration_s if vehicle.max_duration_s is not None else INF,
            vehicle.max_distance_m if vehicle.max_distance_m is not None else INF,
            r.per_metre,
            r.per_second,
        )
        types.setdefault(key, []).append(v)
    vehicle_types = [
        pyvrp.VehicleType(
            num_available=len(members),
            capacity=list(key[0]),
            start_depot=key[1],
            end_depot=key[2],
            fixed_cost=key[3],
            tw_early=key[4],
            tw_late=key[5],
            shift_duration=key[6],
            max_distance=key[7],
            unit_distance_cost=key[8],
            unit_duration_cost=key[9],
        )
        for key, members in types.items()
    ]
    dist = np.ascontiguousarray(prepared.matrices.distance_m[np.ix_(idx, idx)])
    dur = np.ascontiguousarray(prepared.matrices.duration_s[np.ix_(idx, idx)])
    data = pyvrp.ProblemData(locations, clients, depots, vehicle_types, [dist], [dur])
    return data, list(types.values())


def solve_pyvrp(
    prepared: Prepared,
    time_limit_s: float,
    *,
    initial: dict[str, list[str]] | None = None,
    progress: Callable[[float, float], None] | None = None,
    cancel_event: threading.Event | None = None,
    seed: int = 0,
) -> EngineResult | None:
    """Solve with PyVRP's iterated local search; None if its best is infeasible."""
    data, members = build_data(prepared)
    p = prepared.problem
    stop = _Stop(time_limit_s, progress, cancel_event)
    warm = _warm_start(prepared, data, members, initial) if initial else None
    result = pyvrp.solve(data, stop, seed=seed, collect_stats=False, initial_solution=warm)
    best = result.best
    stats = {
        "engine": "pyvrp",
        "iterations": result.num_iterations,
        "feasible": best.is_feasible(),
        "objective_units": int(result.cost()) if best.is_feasible() else None,
    }
    if not best.is_feasible():
        return None
    active_stops = [p.stops[i] for i in prepared.active]
    free = [list(vs) for vs in members]
    routes, planned = [], set()
    for route in best.routes():
        vehicle = p.vehicles[free[route.vehicle_type()].pop(0)]
        ids = [active_stops[a.idx].id for a in route if a.is_client()]
        planned.update(ids)
        routes.append(timed_route(p, prepared.matrices, vehicle.id, ids))
    unassigned = [
        Unassigned(s.id, "dropped: cheaper to leave out than to serve (optional)")
        for s in active_stops
        if s.id not in planned
    ]
    return EngineResult(routes, unassigned, stats)


def _warm_start(
    prepared: Prepared, data, members: list[list[int]], initial: dict[str, list[str]]
) -> pyvrp.Solution | None:
    """Initial routes as a PyVRP solution (vehicle types in the order of `members`)."""
    p: Problem = prepared.problem
    client_of = {p.stops[i].id: k for k, i in enumerate(prepared.active)}
    type_of = {v: t for t, vs in enumerate(members) for v in vs}
    routes = []
    for v, vehicle in enumerate(p.vehicles):
        visits = [client_of[s] for s in initial.get(vehicle.id, []) if s in client_of]
        if visits:
            routes.append(pyvrp.Route(data, visits, type_of[v]))
    try:
        return pyvrp.Solution(data, routes)
    except (RuntimeError, ValueError):
        return None
