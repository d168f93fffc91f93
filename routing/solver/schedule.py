"""Turn a stop sequence into a timed Route, driver breaks included.

Engines without their own schedule use this (PyVRP, which has no breaks), and so does the
repair of plans made without breaks. Breaks follow the checker's rules: each inside its
window, never during a service, taken while travelling or waiting (the leg then lasts the
travel plus the break) or after the vehicle is back at its end depot.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from .model import Break, Matrices, PlannedBreak, Problem, Route, Stop, Vehicle, Visit


def _service_start(stop: Stop, arrival: int, completed: bool) -> int | None:
    """Earliest service start at or after `arrival` inside one of the windows (None: too late)."""
    if completed or not stop.windows:
        return arrival
    for w in sorted(stop.windows, key=lambda w: w.start_s):
        if arrival <= w.end_s:
            return max(arrival, w.start_s)
    return None


@dataclass
class _Sequence:
    """The fixed facts of one vehicle's sequence: nodes, leg travel times, stops."""

    vehicle: Vehicle
    stops: list[Stop]
    travel: list[int]  # leg k goes from node k to node k + 1 (depot, stops..., end depot)
    done: set[str]
    earliest: int  # earliest departure from the start depot
    rules: list[Break]


def _sequence(problem: Problem, m: Matrices, vehicle_id: str, stop_ids: list[str]) -> _Sequence:
    vehicle = next(v for v in problem.vehicles if v.id == vehicle_id)
    depot_node, stop_node = problem.node_of_depot(), problem.node_of_stop()
    by_id = {s.id: s for s in problem.stops}
    start_node = depot_node[vehicle.start_depot]
    nodes = [start_node] + [stop_node[s] for s in stop_ids] + [depot_node[vehicle.end_depot_id]]
    return _Sequence(
        vehicle=vehicle,
        stops=[by_id[s] for s in stop_ids],
        travel=[int(m.duration_s[a, b]) for a, b in itertools.pairwise(nodes)],
        done=set(problem.completed.get(vehicle_id, ())),
        earliest=max(vehicle.shift.start_s, problem.depots[start_node].window.start_s),
        rules=sorted(vehicle.breaks, key=lambda b: b.earliest_s),
    )


def timed_route(
    problem: Problem,
    m: Matrices,
    vehicle_id: str,
    stop_ids: list[str],
    *,
    latest_departure: bool = True,
) -> Route:
    """Earliest feasible schedule, departing as late as possible without arriving anywhere
    later (waiting at the depot is not paid). Breaks go where they delay the route least.
    Times may break windows if the sequence is infeasible; the checker then says so.
    `latest_departure=False` keeps the earliest departure when there are breaks (a quicker
    feasibility test; only a maximum route duration can tell the two apart)."""
    seq = _sequence(problem, m, vehicle_id, stop_ids)
    if seq.rules:
        first = _forward(seq, seq.earliest)
        if first is not None:
            if not latest_departure:
                return _route(problem, m, seq, stop_ids, seq.earliest, first)
            depart = _latest_departure(seq, first[0])
            return _route(problem, m, seq, stop_ids, depart, _forward(seq, depart))
    depart = seq.earliest
    if stop_ids:
        first_start = _service_start(seq.stops[0], depart + seq.travel[0], stop_ids[0] in seq.done)
        if first_start is not None:
            depart = max(depart, first_start - seq.travel[0])
    visits, t = [], depart
    for k, stop in enumerate(seq.stops):
        arrival = t + seq.travel[k]
        start = _service_start(stop, arrival, stop.id in seq.done)
        start = arrival if start is None else start
        t = start + stop.service_s
        visits.append(Visit(stop.id, arrival, start, t))
    route = Route(vehicle_id, visits, depart, t + seq.travel[-1])
    route.distance_m = _distance(problem, m, seq.vehicle, stop_ids)
    return route


def _distance(problem: Problem, m: Matrices, vehicle: Vehicle, stop_ids: list[str]) -> int:
    depot_node, stop_node = problem.node_of_depot(), problem.node_of_stop()
    nodes = [depot_node[vehicle.start_depot]] + [stop_node[s] for s in stop_ids]
    nodes.append(depot_node[vehicle.end_depot_id])
    return sum(int(m.distance_m[a, b]) for a, b in itertools.pairwise(nodes))


# One DP state: (time ready to leave, back-pointer (previous breaks taken, this leg's
# break starts, arrival, service start)).
_State = tuple[int, tuple[int, list[int], int, int]]


def _forward(seq: _Sequence, depart: int):
    """Dynamic programme over (legs done, breaks taken) keeping the earliest time; earlier
    is never worse since waiting is always allowed. Returns (end, layers, breaks taken before
    returning, after-return break starts) or None when no placement fits."""
    rules, n = seq.rules, len(seq.stops)
    layers: list[dict[int, _State]] = [{0: (depart, (0, [], depart, depart))}]
    for k in range(n + 1):
        nxt: dict[int, _State] = {}
        for j, (leave, _) in layers[-1].items():
            t, taken, starts = leave, 0, []
            for j2 in range(j, len(rules) + 1):
                if j2 > j:
                    rule = rules[j2 - 1]
                    s = max(t, rule.earliest_s)
                    if s > rule.latest_s:
                        break
                    starts = [*starts, s]
                    t, taken = s + rule.duration_s, taken + rule.duration_s
                reach = max(leave + seq.travel[k] + taken, t)
                if k < n:
                    stop = seq.stops[k]
                    start = _service_start(stop, reach, stop.id in seq.done)
                    if start is None:
                        break  # more breaks on this leg only arrive later
                    ready = start + stop.service_s
                else:
                    start = ready = reach
                if j2 not in nxt or ready < nxt[j2][0]:
                    nxt[j2] = (ready, (j, starts, reach, start))
        if not nxt:
            return None
        layers.append(nxt)
    best = None
    for j, (end, _) in layers[-1].items():
        after, t = [], end
        for rule in rules[j:]:
            s = max(t, rule.earliest_s)
            if s > rule.latest_s:
                break
            after.append(s)
            t = s + rule.duration_s
        else:
            if best is None or end < best[0]:
                best = (end, layers, j, after)
    return best


def _latest_departure(seq: _Sequence, end: int) -> int:
    """Latest departure with the same (earliest) return: later departures only ever arrive
    later, so the departures that keep `end` form an interval starting at the earliest."""
    lo, hi = seq.earliest, max(seq.earliest, end)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        found = _forward(seq, mid)
        if found is not None and found[0] == end:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _route(problem, m, seq: _Sequence, stop_ids: list[str], depart: int, found) -> Route:
    end, layers, j, after = found
    visits: list[Visit] = []
    starts: list[int] = list(after)
    for k in range(len(layers) - 1, 0, -1):
        ready, (prev_j, leg_starts, reach, start) = layers[k][j]
        if k <= len(seq.stops):
            stop = seq.stops[k - 1]
            visits.append(Visit(stop.id, reach, start, ready))
        starts = leg_starts + starts
        j = prev_j
    visits.reverse()
    breaks = [PlannedBreak(s, r.duration_s) for s, r in zip(starts, seq.rules, strict=True)]
    distance = _distance(problem, m, seq.vehicle, stop_ids)
    return Route(seq.vehicle.id, visits, depart, end, distance, breaks)
