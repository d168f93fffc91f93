"""Turn a stop sequence into a timed Route (engines without their own schedule use this)."""

from __future__ import annotations

import itertools

from .model import Matrices, Problem, Route, Stop, Visit


def _service_start(stop: Stop, arrival: int, completed: bool) -> int | None:
    """Earliest service start at or after `arrival` inside one of the windows (None: too late)."""
    if completed or not stop.windows:
        return arrival
    for w in sorted(stop.windows, key=lambda w: w.start_s):
        if arrival <= w.end_s:
            return max(arrival, w.start_s)
    return None


def timed_route(problem: Problem, m: Matrices, vehicle_id: str, stop_ids: list[str]) -> Route:
    """Earliest feasible schedule, departing just late enough to avoid waiting at the first
    stop (waiting there would only lengthen the paid shift). Times may break windows if the
    sequence is infeasible; the checker then says so."""
    vehicle = next(v for v in problem.vehicles if v.id == vehicle_id)
    depot_node, stop_node = problem.node_of_depot(), problem.node_of_stop()
    stops = {s.id: s for s in problem.stops}
    done = set(problem.completed.get(vehicle_id, ()))
    start_node = depot_node[vehicle.start_depot]
    nodes = [start_node] + [stop_node[s] for s in stop_ids] + [depot_node[vehicle.end_depot_id]]
    earliest = max(vehicle.shift.start_s, problem.depots[start_node].window.start_s)
    if stop_ids:
        travel = int(m.duration_s[nodes[0], nodes[1]])
        first = _service_start(stops[stop_ids[0]], earliest + travel, stop_ids[0] in done)
        if first is not None:
            earliest = max(earliest, first - travel)
    visits = []
    t = earliest
    for k, sid in enumerate(stop_ids):
        stop = stops[sid]
        arrival = t + int(m.duration_s[nodes[k], nodes[k + 1]])
        start = _service_start(stop, arrival, sid in done)
        start = arrival if start is None else start
        t = start + stop.service_s
        visits.append(Visit(sid, arrival, start, t))
    end = t + int(m.duration_s[nodes[-2], nodes[-1]])
    distance = sum(int(m.distance_m[a, b]) for a, b in itertools.pairwise(nodes))
    return Route(vehicle_id, visits, earliest, end, distance)
