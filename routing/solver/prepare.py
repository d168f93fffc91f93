"""Pre-validation: refuse broken problems loudly, and set aside stops no vehicle could serve.

Problem-level faults raise `ProblemError`. A stop that cannot be served by any vehicle is
reported as unassigned with the first reason found; it is never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .model import Matrices, Problem, ProblemError, Stop, Unassigned, Vehicle
from .providers import HaversineProvider, TravelTimeProvider, is_valid_point


@dataclass
class Prepared:
    """What the engines need: full-problem matrices, the stops they may plan (`active`, as
    indices into problem.stops) and the vehicles allowed for each active stop."""

    problem: Problem
    matrices: Matrices
    active: list[int]
    allowed: dict[int, list[int]]
    unassigned: list[Unassigned] = field(default_factory=list)


def validate_problem(problem: Problem, time_limit_s: float) -> None:
    """Raise ProblemError for faults that make the whole problem meaningless."""
    if time_limit_s is None or time_limit_s <= 0:
        raise ProblemError("time_limit_s", f"must be positive, got {time_limit_s}")
    if not problem.vehicles:
        raise ProblemError("vehicles", "at least one vehicle is required")
    if not problem.depots:
        raise ProblemError("depots", "at least one depot is required")
    _unique("depots", [d.id for d in problem.depots])
    _unique("vehicles", [v.id for v in problem.vehicles])
    _unique("stops", [s.id for s in problem.stops])
    depot_ids = {d.id for d in problem.depots}
    bad_depots = [d.id for d in problem.depots if not is_valid_point(d.location)]
    if bad_depots and problem.matrices is None:
        raise ProblemError("depots.location", "depot without coordinates", tuple(bad_depots))
    for v in problem.vehicles:
        if v.start_depot not in depot_ids or v.end_depot_id not in depot_ids:
            raise ProblemError("vehicles.start_depot", "unknown depot", (v.id,))
        if v.shift.end_s < v.shift.start_s:
            raise ProblemError("vehicles.shift", "shift ends before it starts", (v.id,))
        if any(c < 0 for c in v.capacity.values()):
            raise ProblemError("vehicles.capacity", "negative capacity", (v.id,))
        if any(b.latest_s < b.earliest_s or b.duration_s < 0 for b in v.breaks):
            raise ProblemError("vehicles.breaks", "break window ends before it starts", (v.id,))
    stop_ids = {s.id for s in problem.stops}
    vehicle_ids = {v.id for v in problem.vehicles}
    paired: list[str] = []
    by_id = {s.id: s for s in problem.stops}
    for p in problem.pairs:
        missing = tuple(i for i in (p.pickup, p.delivery) if i not in stop_ids)
        if missing:
            raise ProblemError("pairs", "pair refers to an unknown stop", missing)
        if any(by_id[p.delivery].demand.values()):
            raise ProblemError("pairs", "a delivery's load comes from its pickup", (p.delivery,))
        returns = tuple(i for i in (p.pickup, p.delivery) if any(by_id[i].pickup.values()))
        if returns:
            # A return is carried to the end depot; a paired stop's load goes to its partner.
            raise ProblemError("pairs", "a paired stop cannot also collect a return", returns)
        paired += [p.pickup, p.delivery]
    _unique("pairs", paired)
    for s in problem.stops:
        if any(q < 0 for q in s.demand.values()):
            raise ProblemError("stops.demand", "negative demand", (s.id,))
        if any(q < 0 for q in s.pickup.values()):
            raise ProblemError("stops.pickup", "negative pickup", (s.id,))
        if s.locked_vehicle is not None and s.locked_vehicle not in vehicle_ids:
            raise ProblemError("stops.locked_vehicle", "unknown vehicle", (s.id,))
    for vid, ids in list(problem.completed.items()) + list(problem.initial_routes.items()):
        if vid not in vehicle_ids:
            raise ProblemError("initial_routes", "unknown vehicle", (vid,))
        unknown = tuple(i for i in ids if i not in stop_ids)
        if unknown:
            raise ProblemError("initial_routes", "unknown stop", unknown)
    if problem.matrices is not None:
        n = len(problem.depots) + len(problem.stops)
        if problem.matrices.distance_m.shape != (n, n):
            raise ProblemError("matrices", f"expected {n}x{n} (depots then stops)")


def _unique(field_name: str, ids: list[str]) -> None:
    seen: set[str] = set()
    dupes = tuple(sorted({i for i in ids if i in seen or seen.add(i)}))
    if dupes:
        raise ProblemError(field_name, "duplicate id", dupes)


def prepare(
    problem: Problem, time_limit_s: float, provider: TravelTimeProvider | None = None
) -> Prepared:
    """Validate, build matrices, and split stops into plannable and unassigned-with-reason."""
    validate_problem(problem, time_limit_s)
    unassigned: dict[int, str] = {}
    for i, stop in enumerate(problem.stops):
        reason = _static_reason(problem, stop)
        if reason:
            unassigned[i] = reason
    matrices = problem.matrices or _compute_matrices(problem, unassigned, provider)
    allowed: dict[int, list[int]] = {}
    completed = {sid for ids in problem.completed.values() for sid in ids}
    for i, stop in enumerate(problem.stops):
        if i in unassigned:
            continue
        vehicles, reason = _allowed_vehicles(problem, matrices, i, stop, stop.id in completed)
        if vehicles:
            allowed[i] = vehicles
        else:
            unassigned[i] = reason
    _drop_pairs_out_of_order(problem, matrices, unassigned)
    _propagate_pairs(problem, unassigned)
    active = [i for i in range(len(problem.stops)) if i not in unassigned]
    return Prepared(
        problem=problem,
        matrices=matrices,
        active=active,
        allowed={i: allowed[i] for i in active},
        unassigned=[Unassigned(problem.stops[i].id, r) for i, r in sorted(unassigned.items())],
    )


def _static_reason(problem: Problem, stop: Stop) -> str | None:
    """Reasons that need no travel times, checked in the order a dispatcher would fix them."""
    if problem.matrices is None and not is_valid_point(stop.location):
        return "no coordinates"
    for k, w in enumerate(stop.windows):
        if w.end_s < w.start_s:
            return f"time window {k + 1} ends before it starts"
    for skill in sorted(stop.skills):
        if not any(skill in v.skills for v in problem.vehicles):
            return f"no vehicle has skill {skill}"
    for dim, qty in sorted(stop.demand.items()):
        if qty and all(qty > v.capacity.get(dim, qty) for v in problem.vehicles):
            return f"demand exceeds every vehicle's capacity ({dim})"
    for dim, qty in sorted(stop.pickup.items()):
        if qty and all(qty > v.capacity.get(dim, qty) for v in problem.vehicles):
            return f"pickup exceeds every vehicle's capacity ({dim})"
    return None


def _compute_matrices(
    problem: Problem, unassigned: dict[int, str], provider: TravelTimeProvider | None
) -> Matrices:
    """Matrices for all nodes; stops without coordinates get a depot's coordinates as a
    placeholder (they are unassigned, so the value is never used)."""
    provider = provider or HaversineProvider()
    placeholder = problem.depots[0].location
    points = [p if is_valid_point(p) else placeholder for p in problem.points]
    depart_s = min(v.shift.start_s for v in problem.vehicles)
    return provider.matrices(points, depart_s)


def _fits(vehicle: Vehicle, stop: Stop) -> bool:
    return vehicle.skills >= stop.skills and all(
        qty <= vehicle.capacity.get(dim, qty)
        for amounts in (stop.demand, stop.pickup)
        for dim, qty in amounts.items()
    )


def _allowed_vehicles(
    problem: Problem, m: Matrices, i: int, stop: Stop, is_completed: bool
) -> tuple[list[int], str]:
    """Vehicles with the skills and capacity that can reach the stop within one of its windows
    and still get back before the end of their shift."""
    depot_node = problem.node_of_depot()
    node = len(problem.depots) + i
    fitting = [k for k, v in enumerate(problem.vehicles) if _fits(v, stop)]
    if stop.locked_vehicle is not None:
        fitting = [k for k in fitting if problem.vehicles[k].id == stop.locked_vehicle]
        if not fitting:
            return [], f"locked vehicle {stop.locked_vehicle} lacks the skills or capacity"
    if not fitting:
        return [], "no single vehicle has both the skills and the capacity"
    if is_completed:
        return fitting, ""
    reachable = []
    windows = stop.windows or ()
    verdict: dict[tuple, bool] = {}  # fleets are mostly identical vehicles: decide once each
    for k in fitting:
        v = problem.vehicles[k]
        key = (v.start_depot, v.end_depot_id, v.shift, v.max_distance_m, v.max_duration_s)
        if key in verdict:
            if verdict[key]:
                reachable.append(k)
            continue
        verdict[key] = False
        start, end = depot_node[v.start_depot], depot_node[v.end_depot_id]
        earliest = max(v.shift.start_s, problem.depots[start].window.start_s)
        latest_end = min(v.shift.end_s, problem.depots[end].window.end_s)
        arrive = earliest + int(m.duration_s[start, node])
        back = int(m.duration_s[node, end]) + stop.service_s
        dist = int(m.distance_m[start, node] + m.distance_m[node, end])
        if v.max_distance_m is not None and dist > v.max_distance_m:
            continue
        if v.max_duration_s is not None and arrive - earliest + back > v.max_duration_s:
            continue
        candidates = windows or (None,)
        for w in candidates:
            begin = arrive if w is None else max(arrive, w.start_s)
            if (w is None or begin <= w.end_s) and begin + back <= latest_end:
                reachable.append(k)
                verdict[key] = True
                break
    if not reachable:
        return [], "time window unreachable (or beyond every shift, duration or distance limit)"
    return reachable, ""


def _drop_pairs_out_of_order(problem: Problem, matrices, unassigned: dict[int, str]) -> None:
    """A pair whose delivery windows all close before the van can get there from the pickup
    (earliest pickup window, its service and the drive) can never be served."""
    index = {s.id: i for i, s in enumerate(problem.stops)}
    node = problem.node_of_stop()
    for p in problem.pairs:
        a, b = problem.stops[index[p.pickup]], problem.stops[index[p.delivery]]
        if index[p.pickup] in unassigned or index[p.delivery] in unassigned:
            continue
        earliest = min((w.start_s for w in a.windows), default=0)
        latest = max((w.end_s for w in b.windows), default=None)
        drive = int(matrices.duration_s[node[a.id], node[b.id]])
        if latest is not None and latest < earliest + a.service_s + drive:
            reason = "delivery window closes before the van can come from its pickup"
            unassigned[index[p.pickup]] = unassigned[index[p.delivery]] = reason


def _propagate_pairs(problem: Problem, unassigned: dict[int, str]) -> None:
    """A pickup without its delivery (or the reverse) cannot be planned either."""
    index = {s.id: i for i, s in enumerate(problem.stops)}
    for p in problem.pairs:
        a, b = index[p.pickup], index[p.delivery]
        if a in unassigned and b not in unassigned:
            unassigned[b] = f"paired pickup {p.pickup} cannot be planned"
        elif b in unassigned and a not in unassigned:
            unassigned[a] = f"paired delivery {p.delivery} cannot be planned"


def active_matrix(prepared: Prepared) -> np.ndarray:
    """Node indices (into the full matrices) of depots followed by active stops."""
    nd = len(prepared.problem.depots)
    return np.array(list(range(nd)) + [nd + i for i in prepared.active], dtype=np.int64)
