"""Independent solution checker: re-derives every rule from the Problem, trusting nothing the
engine computed except the reported sequence and times, which it verifies."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

from .model import Matrices, Problem, Route, Solution, Stop
from .providers import HaversineProvider, TravelTimeProvider, is_valid_point


@dataclass(frozen=True)
class Violation:
    kind: str  # capacity, time_window, travel_time, shift, max_duration, max_distance, skill,
    # pickup_delivery, break, missing, duplicate, unknown, locked, completed, vehicle, distance
    message: str
    ids: tuple[str, ...] = ()


def check(
    problem: Problem,
    solution: Solution,
    matrices: Matrices | None = None,
    provider: TravelTimeProvider | None = None,
) -> list[Violation]:
    """Return every rule the solution breaks (an empty list means valid)."""
    m = matrices or problem.matrices or _matrices(problem, provider)
    out: list[Violation] = []
    out += _check_coverage(problem, solution)
    vehicles = {v.id: v for v in problem.vehicles}
    used = Counter(r.vehicle_id for r in solution.routes)
    for vid, n in used.items():
        if vid not in vehicles:
            out.append(Violation("vehicle", "route for an unknown vehicle", (vid,)))
        elif n > 1:
            out.append(Violation("vehicle", "vehicle has more than one route", (vid,)))
    for route in solution.routes:
        if route.vehicle_id in vehicles:
            out += _check_route(problem, m, route)
    out += _check_pairs(problem, solution)
    out += _check_locks(problem, solution)
    return out


def _matrices(problem: Problem, provider: TravelTimeProvider | None) -> Matrices:
    placeholder = problem.depots[0].location
    points = [p if is_valid_point(p) else placeholder for p in problem.points]
    depart = min((v.shift.start_s for v in problem.vehicles), default=0)
    return (provider or HaversineProvider()).matrices(points, depart)


def _check_coverage(problem: Problem, solution: Solution) -> list[Violation]:
    """Every stop exactly once: on one route, or in the unassigned list with a reason."""
    out = []
    known = {s.id for s in problem.stops}
    seen = Counter(sid for r in solution.routes for sid in r.stop_ids)
    seen.update(u.stop_id for u in solution.unassigned)
    for sid, n in sorted(seen.items()):
        if sid not in known:
            out.append(Violation("unknown", "unknown stop in the solution", (sid,)))
        elif n > 1:
            out.append(Violation("duplicate", f"stop appears {n} times", (sid,)))
    missing = tuple(sorted(known - set(seen)))
    if missing:
        out.append(Violation("missing", "stops neither routed nor reported unassigned", missing))
    blank = tuple(u.stop_id for u in solution.unassigned if not u.reason)
    if blank:
        out.append(Violation("missing", "unassigned stops without a reason", blank))
    return out


def _check_route(problem: Problem, m: Matrices, route: Route) -> list[Violation]:
    out: list[Violation] = []
    vehicle = next(v for v in problem.vehicles if v.id == route.vehicle_id)
    stops = {s.id: s for s in problem.stops}
    visits = [v for v in route.visits if v.stop_id in stops]
    if not visits:
        return out
    depot_node, stop_node = problem.node_of_depot(), problem.node_of_stop()
    start_depot = problem.depots[depot_node[vehicle.start_depot]]
    end_depot = problem.depots[depot_node[vehicle.end_depot_id]]
    nodes = [depot_node[start_depot.id]] + [stop_node[v.stop_id] for v in visits]
    nodes.append(depot_node[end_depot.id])
    vid = (vehicle.id,)

    distance = sum(int(m.distance_m[a, b]) for a, b in itertools.pairwise(nodes))
    if distance != route.distance_m:
        out.append(Violation("distance", f"reported {route.distance_m} m, is {distance} m", vid))
    if vehicle.max_distance_m is not None and distance > vehicle.max_distance_m:
        out.append(Violation("max_distance", f"{distance} m > {vehicle.max_distance_m} m", vid))

    for visit in visits:
        missing = stops[visit.stop_id].skills - vehicle.skills
        if missing:
            out.append(
                Violation("skill", f"vehicle lacks {', '.join(sorted(missing))}", (visit.stop_id,))
            )
    out += _check_load(problem, vehicle.capacity, [stops[v.stop_id] for v in visits], vehicle.id)

    # Times: leave no earlier than the shift/depot opening, respect travel, service windows,
    # then come back in time.
    if route.start_s < max(vehicle.shift.start_s, start_depot.window.start_s):
        out.append(Violation("shift", "leaves before the shift or depot opens", vid))
    if route.end_s > min(vehicle.shift.end_s, end_depot.window.end_s):
        out.append(Violation("shift", "returns after the shift or depot closes", vid))
    if vehicle.max_duration_s is not None and route.duration_s > vehicle.max_duration_s:
        out.append(
            Violation("max_duration", f"{route.duration_s} s > {vehicle.max_duration_s} s", vid)
        )
    completed = set(problem.completed.get(vehicle.id, ()))
    busy: list[tuple[int, int]] = []  # service intervals, which breaks must avoid
    legs: list[tuple[int, int, int]] = []  # (leave, reach, travel) for each leg
    prev_departure = route.start_s
    for k, visit in enumerate(visits):
        stop = stops[visit.stop_id]
        travel = int(m.duration_s[nodes[k], nodes[k + 1]])
        legs.append((prev_departure, visit.start_s, travel))
        if visit.arrival_s < prev_departure + travel or visit.start_s < visit.arrival_s:
            out.append(Violation("travel_time", "arrives faster than the travel time", (stop.id,)))
        if visit.departure_s < visit.start_s + stop.service_s:
            out.append(Violation("travel_time", "leaves before service ends", (stop.id,)))
        if stop.id not in completed and stop.windows and not _in_windows(stop, visit.start_s):
            out.append(Violation("time_window", f"service starts at {visit.start_s}", (stop.id,)))
        busy.append((visit.start_s, visit.start_s + stop.service_s))
        prev_departure = visit.departure_s
    back = int(m.duration_s[nodes[-2], nodes[-1]])
    legs.append((prev_departure, route.end_s, back))
    if route.end_s < prev_departure + back:
        out.append(Violation("travel_time", "returns faster than the travel time", vid))
    out += _check_breaks(vehicle, route, busy, legs)
    return out


def _in_windows(stop: Stop, t: int) -> bool:
    return any(w.start_s <= t <= w.end_s for w in stop.windows)


def _check_load(problem: Problem, capacity: dict[str, int], stops: list[Stop], vid: str):
    """Load on board at every point of the route: depot deliveries are all loaded at the
    start; a pair's load is on board between its pickup and its delivery; a stop's `pickup`
    (a return) is on board from that stop to the end depot."""
    pickup_of = {p.delivery: p.pickup for p in problem.pairs}
    pickups = {p.pickup for p in problem.pairs}
    by_id = {s.id: s for s in problem.stops}
    out = []
    for dim, cap in capacity.items():
        load = sum(s.demand.get(dim, 0) for s in stops if s.id not in pickups)
        peak, where = load, None
        for s in stops:
            if s.id in pickups:
                load += s.demand.get(dim, 0)
            elif s.id in pickup_of:
                load -= by_id[pickup_of[s.id]].demand.get(dim, 0)
            else:
                load -= s.demand.get(dim, 0)
            load += s.pickup.get(dim, 0)
            if load > peak:
                peak, where = load, s.id
        if peak > cap:
            after = f" after {where}" if where else ""
            out.append(Violation("capacity", f"{dim} load {peak} > {cap}{after}", (vid,)))
    return out


def _check_breaks(vehicle, route: Route, busy, legs) -> list[Violation]:
    """Each break once, inside its window, never during a service; breaks taken on the road
    must leave room for the travel of that leg."""
    out = []
    vid = (vehicle.id,)
    if len(route.breaks) != len(vehicle.breaks):
        return [Violation("break", f"{len(route.breaks)} breaks for {len(vehicle.breaks)}", vid)]
    planned = sorted(route.breaks, key=lambda b: b.start_s)
    for rule, b in zip(sorted(vehicle.breaks, key=lambda b: b.earliest_s), planned, strict=False):
        if not rule.earliest_s <= b.start_s <= rule.latest_s or b.duration_s < rule.duration_s:
            out.append(Violation("break", f"break at {b.start_s} outside its window", vid))
        end = b.start_s + b.duration_s
        if any(b.start_s < s_end and s_start < end for s_start, s_end in busy):
            out.append(Violation("break", f"break at {b.start_s} overlaps a service", vid))
    for leave, reach, travel in legs:
        inside = sum(
            b.duration_s
            for b in planned
            if leave <= b.start_s and b.start_s + b.duration_s <= reach
        )
        if inside and reach - leave < travel + inside:
            out.append(Violation("break", "no room for the break and the travel", vid))
    return out


def _check_pairs(problem: Problem, solution: Solution) -> list[Violation]:
    """Pickup and delivery on the same route, pickup first, or both unassigned."""
    where: dict[str, tuple[int, int]] = {}
    for r, route in enumerate(solution.routes):
        for k, sid in enumerate(route.stop_ids):
            where[sid] = (r, k)
    out = []
    for p in problem.pairs:
        a, b = where.get(p.pickup), where.get(p.delivery)
        ids = (p.pickup, p.delivery)
        if (a is None) != (b is None):
            out.append(Violation("pickup_delivery", "only one half of the pair is planned", ids))
        elif a and b and (a[0] != b[0] or a[1] > b[1]):
            out.append(Violation("pickup_delivery", "not same vehicle, pickup first", ids))
    return out


def _check_locks(problem: Problem, solution: Solution) -> list[Violation]:
    out = []
    routes = {r.vehicle_id: r.stop_ids for r in solution.routes}
    for vid, done in problem.completed.items():
        if routes.get(vid, [])[: len(done)] != list(done):
            out.append(Violation("completed", "completed stops moved", (vid,)))
    for vid in problem.locked_routes:
        expected = list(problem.completed.get(vid, [])) + [
            s
            for s in problem.initial_routes.get(vid, [])
            if s not in problem.completed.get(vid, [])
        ]
        if routes.get(vid, []) != expected:
            out.append(Violation("locked", "locked route changed", (vid,)))
    for s in problem.stops:
        if s.locked_vehicle and any(
            s.id in ids for v, ids in routes.items() if v != s.locked_vehicle
        ):
            out.append(Violation("locked", f"stop moved off {s.locked_vehicle}", (s.id,)))
    return out
