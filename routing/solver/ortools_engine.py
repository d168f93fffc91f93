"""OR-Tools model: handles every constraint the Problem can express (multiple windows, breaks,
skills, pickup-delivery, locks), so it is both an engine and the portfolio's fallback."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from .costs import REQUIRED_PENALTY, drop_penalty, vehicle_rates
from .model import COST_UNITS, PlannedBreak, Route, TimeWindow, Unassigned, Visit
from .prepare import Prepared, active_matrix

Progress = Callable[[float, float], None]  # (best cost in currency, elapsed seconds)
FSS = routing_enums_pb2.FirstSolutionStrategy
LSM = routing_enums_pb2.LocalSearchMetaheuristic
# Chosen by measurement (docs/benchmarks.md, "Strategy comparison"). SAVINGS builds the best
# first plans on VRPTW; with pickup-delivery pairs we keep parallel cheapest insertion, which
# OR-Tools' own pickup-delivery examples use (we did not benchmark pairs).
DEFAULT_FIRST_SOLUTION = "SAVINGS"
PAIRS_FIRST_SOLUTION = "PARALLEL_CHEAPEST_INSERTION"
# TABU_SEARCH beat GUIDED_LOCAL_SEARCH by 0.1-0.2 points of gap at 2 s and 10 s.
DEFAULT_METAHEURISTIC = "TABU_SEARCH"


@dataclass
class EngineResult:
    routes: list[Route]
    unassigned: list[Unassigned]
    stats: dict


class _Model:
    """Index bookkeeping: OR-Tools nodes are the depots followed by the active stops."""

    def __init__(self, prepared: Prepared) -> None:
        self.p = prepared
        problem = prepared.problem
        idx = active_matrix(prepared)
        self.dist = prepared.matrices.distance_m[np.ix_(idx, idx)]
        self.dur = prepared.matrices.duration_s[np.ix_(idx, idx)]
        self.nd = len(problem.depots)
        self.stops = [problem.stops[i] for i in prepared.active]
        self.node_of = {s.id: self.nd + k for k, s in enumerate(self.stops)}
        depot_node = problem.node_of_depot()
        starts = [depot_node[v.start_depot] for v in problem.vehicles]
        ends = [depot_node[v.end_depot_id] for v in problem.vehicles]
        self.manager = pywrapcp.RoutingIndexManager(len(idx), len(problem.vehicles), starts, ends)
        self.routing = pywrapcp.RoutingModel(self.manager)
        done = {s for ids in problem.completed.values() for s in ids}
        self.service = [0] * self.nd + [s.service_s for s in self.stops]
        self.windows: list[tuple[TimeWindow, ...]] = [()] * self.nd + [
            () if s.id in done else s.windows for s in self.stops
        ]

    def index(self, stop_id: str) -> int:
        return self.manager.NodeToIndex(self.node_of[stop_id])


def solve_ortools(
    prepared: Prepared,
    time_limit_s: float,
    *,
    first_solution: str | None = None,
    metaheuristic: str = DEFAULT_METAHEURISTIC,
    initial: dict[str, list[str]] | None = None,
    progress: Progress | None = None,
    cancel_event: threading.Event | None = None,
) -> EngineResult | None:
    """Build and solve; None when OR-Tools finds no solution within the limit. The limit
    covers model building too (large matrices take a few seconds to hand over)."""
    deadline = time.perf_counter() + time_limit_s
    m = _Model(prepared)
    problem, routing, manager = prepared.problem, m.routing, m.manager
    _add_costs(m)
    time_dim = _add_time(m)
    _add_capacities(m)
    _add_stop_rules(m)
    _add_locks(m)

    if first_solution is None:
        first_solution = PAIRS_FIRST_SOLUTION if problem.pairs else DEFAULT_FIRST_SOLUTION
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(FSS, first_solution)
    params.local_search_metaheuristic = getattr(LSM, metaheuristic)
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))  # refined below
    started = time.perf_counter()
    trace: list[tuple[float, float]] = []

    def on_solution() -> None:
        elapsed = time.perf_counter() - started
        trace.append((elapsed, routing.CostVar().Value()))
        if progress:
            progress(routing.CostVar().Value() / COST_UNITS, elapsed)
        if cancel_event is not None and cancel_event.is_set():
            routing.solver().FinishCurrentSearch()

    routing.AddAtSolutionCallback(on_solution)
    if cancel_event is not None and cancel_event.is_set():
        return None
    routing.CloseModelWithParameters(params)
    left_ms = int((deadline - time.perf_counter()) * 1000)
    params.time_limit.FromMilliseconds(max(1, left_ms))
    assignment = None
    if initial:
        routes = [
            [m.index(s) for s in initial.get(v.id, []) if s in m.node_of] for v in problem.vehicles
        ]
        start = routing.ReadAssignmentFromRoutes(routes, True)
        if start is not None:
            assignment = routing.SolveFromAssignmentWithParameters(start, params)
    if assignment is None:
        left_ms = int((deadline - time.perf_counter()) * 1000)
        if left_ms <= 0:
            return None
        params.time_limit.FromMilliseconds(left_ms)
        assignment = routing.SolveWithParameters(params)
    if assignment is None:
        return None
    stats = {
        "engine": "ortools",
        "status": routing.status(),
        "objective_units": assignment.ObjectiveValue(),
        "solutions": len(trace),
        "first_solution_s": trace[0][0] if trace else None,
        "first_solution": first_solution,
        "metaheuristic": metaheuristic,
    }
    return _extract(m, assignment, time_dim, stats, manager)


def _add_costs(m: _Model) -> None:
    """Arc cost = distance x the vehicle's per-metre rate (one matrix per distinct rate);
    time is charged on the span; fixed cost when the vehicle is used."""
    problem, routing = m.p.problem, m.routing
    rates = [vehicle_rates(problem, v) for v in problem.vehicles]
    callbacks: dict[int, int] = {}
    for v, r in enumerate(rates):
        if r.per_metre not in callbacks:
            callbacks[r.per_metre] = routing.RegisterTransitMatrix((m.dist * r.per_metre).tolist())
        routing.SetArcCostEvaluatorOfVehicle(callbacks[r.per_metre], v)
        routing.SetFixedCostOfVehicle(r.fixed, v)
    m.rates = rates


def _add_time(m: _Model):
    problem, routing, manager = m.p.problem, m.routing, m.manager
    transit = m.dur + np.array(m.service, dtype=np.int64)[:, None]
    time_cb = routing.RegisterTransitMatrix(transit.tolist())
    horizon = max(
        [v.shift.end_s for v in problem.vehicles]
        + [d.window.end_s for d in problem.depots]
        + [w.end_s for ws in m.windows for w in ws]
    )
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    dim = routing.GetDimensionOrDie("time")
    for node in range(m.nd, len(m.service)):
        windows = sorted(m.windows[node], key=lambda w: w.start_s)
        if not windows:
            continue
        var = dim.CumulVar(manager.NodeToIndex(node))
        var.SetRange(windows[0].start_s, max(w.end_s for w in windows))
        reach = windows[0].end_s
        for w in windows[1:]:  # forbid the gaps between windows
            if w.start_s > reach + 1:
                var.RemoveInterval(reach + 1, w.start_s - 1)
            reach = max(reach, w.end_s)
    depot_node = problem.node_of_depot()
    for v, vehicle in enumerate(problem.vehicles):
        sd = problem.depots[depot_node[vehicle.start_depot]].window
        ed = problem.depots[depot_node[vehicle.end_depot_id]].window
        lo = max(vehicle.shift.start_s, sd.start_s)
        hi = min(vehicle.shift.end_s, ed.end_s)
        dim.CumulVar(routing.Start(v)).SetRange(lo, min(vehicle.shift.end_s, sd.end_s))
        dim.CumulVar(routing.End(v)).SetRange(max(lo, ed.start_s), hi)
        if m.rates[v].per_second:
            dim.SetSpanCostCoefficientForVehicle(m.rates[v].per_second, v)
        if vehicle.max_duration_s is not None:
            dim.SetSpanUpperBoundForVehicle(vehicle.max_duration_s, v)
        routing.AddVariableMaximizedByFinalizer(dim.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(dim.CumulVar(routing.End(v)))
    _add_breaks(m, dim)
    if any(v.max_distance_m is not None for v in problem.vehicles):
        dist_cb = routing.RegisterTransitMatrix(m.dist.tolist())
        limit = int(m.dist.max()) * (len(m.service) + 1)
        caps = [
            v.max_distance_m if v.max_distance_m is not None else limit for v in problem.vehicles
        ]
        routing.AddDimensionWithVehicleCapacity(dist_cb, 0, caps, True, "distance")
    return dim


def _add_breaks(m: _Model, dim) -> None:
    """Breaks as fixed-duration interval vars; OR-Tools keeps them off service intervals."""
    problem, routing, solver = m.p.problem, m.routing, m.routing.solver()
    if not any(v.breaks for v in problem.vehicles):
        return
    visit = [m.service[m.manager.IndexToNode(i)] for i in range(routing.Size())]
    for v, vehicle in enumerate(problem.vehicles):
        intervals = [
            solver.FixedDurationIntervalVar(
                b.earliest_s, b.latest_s, b.duration_s, False, f"b{v}_{k}"
            )
            for k, b in enumerate(vehicle.breaks)
        ]
        if intervals:
            dim.SetBreakIntervalsOfVehicle(intervals, v, visit)


def _add_capacities(m: _Model) -> None:
    """One dimension per capacity kind. Without pairs or returns, load = cumulative
    deliveries from zero. Otherwise the load starts free (= what is loaded at the depot),
    deliveries subtract and pickups add; with returns (`Stop.pickup`) a second dimension
    counts them, and the two must meet at the end depot, which pins the start load to the
    route's deliveries exactly (a free start alone could hide a return behind a delivery)."""
    problem, routing, solver = m.p.problem, m.routing, m.routing.solver()
    pickup_of = {p.delivery: p.pickup for p in problem.pairs}
    pickups = {p.pickup for p in problem.pairs}
    by_id = {s.id: s for s in problem.stops}
    for dim_name in problem.dimensions():
        returns = [0] * m.nd + [s.pickup.get(dim_name, 0) for s in m.stops]
        free_start = bool(problem.pairs) or any(returns)
        load = [0] * m.nd
        for s in m.stops:
            if s.id in pickup_of:
                load.append(-by_id[pickup_of[s.id]].demand.get(dim_name, 0))
            elif s.id in pickups or not free_start:
                load.append(s.demand.get(dim_name, 0))
            else:
                load.append(-s.demand.get(dim_name, 0))
        load = [a + b for a, b in zip(load, returns, strict=True)]
        if not any(load):
            continue
        unlimited = sum(abs(d) for d in load) + 2 * sum(returns) + 1
        caps = [v.capacity.get(dim_name, unlimited) for v in problem.vehicles]
        cb = routing.RegisterUnaryTransitVector(load)
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, not free_start, f"cap:{dim_name}")
        if any(returns):
            back = routing.RegisterUnaryTransitVector(returns)
            routing.AddDimensionWithVehicleCapacity(back, 0, caps, True, f"ret:{dim_name}")
            on_board = routing.GetDimensionOrDie(f"cap:{dim_name}")
            returned = routing.GetDimensionOrDie(f"ret:{dim_name}")
            for v in range(len(problem.vehicles)):
                end = routing.End(v)
                solver.Add(on_board.CumulVar(end) == returned.CumulVar(end))


def _add_stop_rules(m: _Model) -> None:
    """Disjunctions (every stop may be dropped at its penalty, so there is always a plan),
    allowed vehicles (skills, capacity, reach, locks) and pickup-delivery pairs."""
    p, routing, solver = m.p, m.routing, m.routing.solver()
    problem = p.problem
    done = {s for ids in problem.completed.values() for s in ids}
    locked = {s for v in problem.locked_routes for s in problem.initial_routes.get(v, [])}
    n_vehicles = len(problem.vehicles)
    for stop_index, stop in zip(p.active, m.stops, strict=False):
        index = m.index(stop.id)
        if stop.id not in done and stop.id not in locked:
            routing.AddDisjunction([index], drop_penalty(problem, stop))
        if len(p.allowed[stop_index]) < n_vehicles:
            # SetAllowedVehiclesForIndex's SWIG wrapper rejects every Python sequence in
            # ortools 9.15 (absl::Span<const int>), so restrict the vehicle variable instead.
            allowed = set(p.allowed[stop_index])
            routing.VehicleVar(index).RemoveValues(
                [v for v in range(n_vehicles) if v not in allowed]
            )
    time_dim = routing.GetDimensionOrDie("time")
    for pair in problem.pairs:
        if pair.pickup in m.node_of and pair.delivery in m.node_of:
            a, b = m.index(pair.pickup), m.index(pair.delivery)
            routing.AddPickupAndDelivery(a, b)
            solver.Add(routing.VehicleVar(a) == routing.VehicleVar(b))
            solver.Add(time_dim.CumulVar(a) <= time_dim.CumulVar(b))


def _add_locks(m: _Model) -> None:
    """Completed stops form a fixed prefix; a locked route is fixed from start to end."""
    problem, routing, solver = m.p.problem, m.routing, m.routing.solver()
    for v, vehicle in enumerate(problem.vehicles):
        done = [s for s in problem.completed.get(vehicle.id, []) if s in m.node_of]
        chain = [routing.Start(v)] + [m.index(s) for s in done]
        if vehicle.id in problem.locked_routes:
            rest = [s for s in problem.initial_routes.get(vehicle.id, []) if s not in done]
            chain += [m.index(s) for s in rest if s in m.node_of] + [routing.End(v)]
        for a, b in itertools.pairwise(chain):
            solver.Add(routing.NextVar(a) == b)


def _extract(m: _Model, sol, dim, stats: dict, manager) -> EngineResult:
    problem, routing = m.p.problem, m.routing
    routes, planned = [], set()
    breaks_by_vehicle: dict[int, list[PlannedBreak]] = {}
    intervals = sol.IntervalVarContainer()
    for k in range(intervals.Size()):
        element = intervals.Element(k)
        if element.PerformedValue():
            v = int(element.Var().Name()[1:].split("_")[0])
            breaks_by_vehicle.setdefault(v, []).append(
                PlannedBreak(element.StartValue(), element.DurationValue())
            )
    for v, vehicle in enumerate(problem.vehicles):
        index = sol.Value(routing.NextVar(routing.Start(v)))
        if routing.IsEnd(index):
            continue
        visits, prev_node = [], manager.IndexToNode(routing.Start(v))
        depart = sol.Value(dim.CumulVar(routing.Start(v)))
        start_s, distance = depart, 0
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            stop = m.stops[node - m.nd]
            begin = sol.Min(dim.CumulVar(index))
            arrival = depart + int(m.dur[prev_node, node])
            visits.append(
                Visit(stop.id, arrival, max(begin, arrival), max(begin, arrival) + stop.service_s)
            )
            planned.add(stop.id)
            distance += int(m.dist[prev_node, node])
            depart, prev_node = visits[-1].departure_s, node
            index = sol.Value(routing.NextVar(index))
        end_node = manager.IndexToNode(index)
        distance += int(m.dist[prev_node, end_node])
        end_s = max(sol.Min(dim.CumulVar(index)), depart + int(m.dur[prev_node, end_node]))
        routes.append(
            Route(vehicle.id, visits, start_s, end_s, distance, breaks_by_vehicle.get(v, []))
        )
    unassigned = [
        Unassigned(s.id, _drop_reason(problem, s)) for s in m.stops if s.id not in planned
    ]
    return EngineResult(routes, unassigned, stats)


def _drop_reason(problem, stop) -> str:
    if stop.optional and drop_penalty(problem, stop) < REQUIRED_PENALTY:
        return "dropped: cheaper to leave out than to serve (optional)"
    return "dropped: not enough capacity/time"
