"""PyVRP adapter: PyVRP's iterated local search on everything `pyvrp_data` can express
(several depots, mixed fleet, skills and other vehicle restrictions, returns, several windows,
pairs), with driver breaks relaxed there and placed exactly on the routes it returns.

Completed prefixes and locked routes are not expressed (PyVRP would move them), nor are pairs
whose stops have several windows; `supports` says so and the portfolio uses other engines.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pyvrp
from pyvrp.stop import StoppingCriterion

from .model import COST_UNITS, Unassigned
from .ortools_engine import EngineResult
from .prepare import Prepared
from .pyvrp_data import PyVRPData, build
from .schedule import timed_route

INFEASIBLE = 2**63 - 1  # PyVRP's cost of an infeasible solution
# How breaks are relaxed for PyVRP (see pyvrp_data.build); chosen by measurement.
BREAK_RELAXATION = "duration"


def supports(prepared: Prepared) -> str | None:
    """None if PyVRP can solve the problem (breaks relaxed), else the first reason it cannot."""
    p = prepared.problem
    if p.completed or p.locked_routes:
        return "locked or completed stops"
    by_id = {s.id: s for s in p.stops}
    for pair in p.pairs:
        if len(by_id[pair.pickup].windows) > 1 or len(by_id[pair.delivery].windows) > 1:
            return "several time windows on a paired stop"
    return None


def has_breaks(prepared: Prepared) -> bool:
    return any(v.breaks for v in prepared.problem.vehicles)


# PyVRP reports int64 max while it has no feasible solution. If that lasts for this share of
# its budget we give up, so a fallback that drops stops instead of failing (OR-Tools, or
# PyVRP with prizes on rich problems) gets enough time to produce a plan.
GIVE_UP_SHARE = 0.4


class _Stop(StoppingCriterion):
    """Stops at the deadline or on cancellation; reports each new best cost as progress."""

    def __init__(
        self,
        limit_s: float,
        progress,
        cancel_event: threading.Event | None,
        exact: bool,
        interrupt: Callable[[int], bool] | None = None,
        give_up_share: float = GIVE_UP_SHARE,
    ) -> None:
        self.deadline = time.perf_counter() + limit_s
        self.give_up = time.perf_counter() + limit_s * give_up_share
        self.started = time.perf_counter()
        self.progress = progress if exact else None  # relaxed costs are not our costs
        self.cancel_event = cancel_event
        self.interrupt = interrupt
        self.interrupted = False
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
        if self.interrupt is not None and self.interrupt(best_cost):
            self.interrupted = True
        return cancelled or hopeless or self.interrupted or now >= self.deadline


def solve_pyvrp(
    prepared: Prepared,
    time_limit_s: float,
    *,
    initial: dict[str, list[str]] | None = None,
    progress: Callable[[float, float], None] | None = None,
    cancel_event: threading.Event | None = None,
    seed: int = 0,
    break_relaxation: str = BREAK_RELAXATION,
    interrupt: Callable[[int], bool] | None = None,
    required_prize: int | None = None,
    give_up_share: float = GIVE_UP_SHARE,
) -> EngineResult | None:
    """Solve with PyVRP's iterated local search; None if its best is infeasible. With breaks,
    the routes are timed with exact break placement and may not pass the checker (the
    portfolio repairs them). `interrupt(best_cost)` returning True ends the search early
    (stats["interrupted"])."""
    started = time.perf_counter()
    built = build(prepared, break_relaxation=break_relaxation, required_prize=required_prize)
    exact = not has_breaks(prepared)
    # Building the data (a matrix per profile) counts against the limit too.
    left = max(time_limit_s - (time.perf_counter() - started), 0.01)
    stop = _Stop(left, progress, cancel_event, exact, interrupt, give_up_share)
    warm = warm_start(prepared, built, initial) if initial else None
    result = pyvrp.solve(built.data, stop, seed=seed, collect_stats=False, initial_solution=warm)
    best = result.best
    stats = {
        "engine": "pyvrp",
        "iterations": result.num_iterations,
        "feasible": best.is_feasible(),
        "objective_units": int(result.cost()) if best.is_feasible() else None,
        "break_relaxation": break_relaxation if has_breaks(prepared) else None,
        "interrupted": stop.interrupted,
        "prizes": required_prize is not None,
    }
    if not best.is_feasible():
        return None
    return extract(prepared, built, best, stats)


def sequences(built: PyVRPData, solution: pyvrp.Solution) -> list[tuple[int, list[str]]]:
    """(vehicle index, stop ids) per route, vehicles of a type taken in order."""
    free = [list(vs) for vs in built.members]
    out = []
    for route in solution.routes():
        ids = []
        for a in route:
            if a.is_client():
                ids.append(built.client_stop[a.idx])
            elif a.is_pickup():
                ids.append(built.shipment_stops[a.idx][0])
            elif a.is_delivery():
                ids.append(built.shipment_stops[a.idx][1])
        out.append((free[route.vehicle_type()].pop(0), ids))
    return out


def extract(prepared: Prepared, built: PyVRPData, solution, stats: dict) -> EngineResult:
    p = prepared.problem
    routes, planned = [], set()
    for v, ids in sequences(built, solution):
        planned.update(ids)
        routes.append(timed_route(p, prepared.matrices, p.vehicles[v].id, ids))
    unassigned = [
        Unassigned(p.stops[i].id, _left_out(p.stops[i]))
        for i in prepared.active
        if p.stops[i].id not in planned
    ]
    return EngineResult(routes, unassigned, stats)


def _left_out(stop) -> str:
    if stop.optional:
        return "dropped: cheaper to leave out than to serve (optional)"
    return "dropped: not enough capacity/time"


def warm_start(
    prepared: Prepared, built: PyVRPData, initial: dict[str, list[str]]
) -> pyvrp.Solution | None:
    """Initial routes as a PyVRP solution. A stop with several windows starts on the copy
    whose window contains its earliest possible service."""
    p = prepared.problem
    type_of = {v: t for t, vs in enumerate(built.members) for v in vs}
    data = built.data
    routes = []
    for v, vehicle in enumerate(p.vehicles):
        ids = initial.get(vehicle.id, [])
        if not ids:
            continue
        timed = timed_route(p, prepared.matrices, vehicle.id, ids)
        starts = {visit.stop_id: visit.start_s for visit in timed.visits}
        acts = []
        for s in ids:
            if s in built.shipment_of:
                k = built.shipment_of[s]
                is_pickup = built.shipment_stops[k][0] == s
                kind = pyvrp.ActivityType.PICKUP if is_pickup else pyvrp.ActivityType.DELIVERY
                acts.append(pyvrp.Activity(kind, k))
            elif s in built.clients_of:
                copies = built.clients_of[s]
                best = copies[0]
                for c in copies:
                    client = data.client(c)
                    if client.tw_early <= starts.get(s, 0) <= client.tw_late:
                        best = c
                        break
                acts.append(pyvrp.Activity(pyvrp.ActivityType.CLIENT, best))
        if acts:
            routes.append(pyvrp.Route(data, acts, type_of[v]))
    try:
        return pyvrp.Solution(data, routes)
    except (RuntimeError, ValueError):
        return None
