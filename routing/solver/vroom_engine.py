"""VROOM engine (pyvroom): breaks, skills, several time windows, returns and pairs natively.

Translation of a prepared problem:
- one routing profile with our duration and distance matrices over the depots and the active
  stops (node k of the sub-matrix is VROOM location k);
- vehicles with their start/end depots, shift (narrowed by the depots' opening hours),
  capacities over the problem's dimensions (a dimension a vehicle does not list gets a
  capacity nobody can exceed), skills as integers (a stop locked to a vehicle asks for a skill
  only that vehicle has), breaks, max distance, and costs from our integer rates: VROOM
  charges `per_km` per km and `per_hour` per hour of travel, so per_km = our units per metre
  and per_hour = 3.6 x our units per second keep the ratio, and the fixed cost is our units
  / 1000 (VROOM's costs are then 1/1000 of ours). VROOM does not charge waiting or service
  time, which our objective does; the portfolio re-costs every plan with ours;
- stops as jobs (delivery and return pickup amounts, service, every window, priority 100 for
  required stops so VROOM drops optional ones first), pairs as shipments.
Completed prefixes and locked routes are not expressible (VROOM would re-plan them), nor is a
maximum route duration shorter than the shift; `supports` says so and OR-Tools handles them.
"""

from __future__ import annotations

import itertools
import re
import time
from datetime import timedelta

import numpy as np
import vroom

from .costs import vehicle_rates
from .model import PlannedBreak, Route, Unassigned, Visit
from .ortools_engine import EngineResult
from .prepare import Prepared, active_matrix
from .schedule import timed_route

MAX_TIME = 2**32 - 1  # VROOM times are unsigned 32-bit seconds
REQUIRED_PRIORITY = 100  # VROOM's highest; it keeps high-priority tasks first when short
EXPLORATION_LEVEL = 5
MAX_START_RETRIES = 8
VROOM_ERRORS = (
    vroom._vroom.VroomInputException,
    vroom._vroom.VroomInternalException,
    vroom._vroom.VroomRoutingException,
)


def supports(prepared: Prepared) -> str | None:
    """None if VROOM can solve the problem as stated, else the first reason it cannot."""
    p = prepared.problem
    if p.completed or p.locked_routes:
        return "locked routes or completed stops"
    depots = {d.id: d for d in p.depots}
    for v in p.vehicles:
        lo, hi = _window(v, depots)
        if v.max_duration_s is not None and v.max_duration_s < hi - lo:
            return "maximum route duration shorter than the shift"
    return None


def _window(vehicle, depots) -> tuple[int, int]:
    start, end = depots[vehicle.start_depot].window, depots[vehicle.end_depot_id].window
    lo = max(vehicle.shift.start_s, start.start_s, 0)
    hi = min(vehicle.shift.end_s, end.end_s, MAX_TIME)
    return lo, max(lo, hi)


def _clamp(t: int) -> int:
    return min(max(int(t), 0), MAX_TIME)


def build_input(prepared: Prepared, initial: dict[str, list[str]] | None = None) -> vroom.Input:
    """The vroom.Input for a prepared problem. Job ids are 1 + the stop's index in
    `prepared.active`, vehicle ids 1 + the vehicle's index, break ids 1 + the break's rank.
    `initial` routes make VROOM follow a single search from them (they must be valid)."""
    p = prepared.problem
    idx = active_matrix(prepared)
    nd = len(p.depots)
    dims = p.dimensions()
    stops = [p.stops[i] for i in prepared.active]
    job_of = {s.id: k + 1 for k, s in enumerate(stops)}
    inp = vroom.Input()
    ix = np.ix_(idx, idx)
    inp.set_durations_matrix("car", np.minimum(prepared.matrices.duration_s[ix], MAX_TIME))
    inp.set_distances_matrix("car", np.minimum(prepared.matrices.distance_m[ix], MAX_TIME))

    skill_ids = {name: k + 1 for k, name in enumerate(sorted({x for s in stops for x in s.skills}))}
    lock_skill = {v.id: len(skill_ids) + 1 + k for k, v in enumerate(p.vehicles)}
    total = [
        sum(s.demand.get(d, 0) + s.pickup.get(d, 0) for s in stops) + 1 for d in dims
    ]  # more than any load, for dimensions a vehicle does not limit
    depots = {d.id: d for d in p.depots}
    depot_node = p.node_of_depot()
    for k, v in enumerate(p.vehicles):
        rates = vehicle_rates(p, v)
        lo, hi = _window(v, depots)
        steps = []
        if initial and initial.get(v.id):
            steps = _steps(prepared, job_of, v.id, initial[v.id])
        inp.add_vehicle(
            vroom.Vehicle(
                k + 1,
                start=depot_node[v.start_depot],
                end=depot_node[v.end_depot_id],
                capacity=[v.capacity.get(d, t) for d, t in zip(dims, total, strict=True)],
                skills={skill_ids[x] for x in v.skills if x in skill_ids} | {lock_skill[v.id]},
                time_window=vroom.TimeWindow(lo, hi),
                breaks=[
                    vroom.Break(
                        j + 1,
                        time_windows=[vroom.TimeWindow(_clamp(b.earliest_s), _clamp(b.latest_s))],
                        service=b.duration_s,
                    )
                    for j, b in enumerate(sorted(v.breaks, key=lambda b: b.earliest_s))
                ],
                costs=vroom.VehicleCosts(
                    fixed=round(rates.fixed / 1000),
                    per_hour=round(rates.per_second * 3.6),
                    per_km=rates.per_metre,
                ),
                max_distance=v.max_distance_m if v.max_distance_m is not None else 2**32 - 1,
                steps=steps,
            )
        )

    def skills_of(*members) -> set[int]:
        out = {skill_ids[x] for s in members for x in s.skills}
        return out | {lock_skill[s.locked_vehicle] for s in members if s.locked_vehicle}

    def windows(s) -> list:
        # VROOM refuses unsorted or overlapping windows: sort, and merge those that touch.
        merged: list[list[int]] = []
        for w in sorted(s.windows, key=lambda w: w.start_s):
            if merged and w.start_s <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], w.end_s)
            else:
                merged.append([w.start_s, w.end_s])
        return [vroom.TimeWindow(_clamp(a), _clamp(b)) for a, b in merged]

    def priority(*members) -> int:
        if any(not s.optional for s in members):
            return REQUIRED_PRIORITY
        return min(max(s.priority for s in members) + 1, REQUIRED_PRIORITY - 1)

    by_id = {s.id: s for s in stops}
    paired = set()
    for pair in p.pairs:
        if pair.pickup not in job_of or pair.delivery not in job_of:
            continue
        a, b = by_id[pair.pickup], by_id[pair.delivery]
        paired |= {a.id, b.id}
        inp.add_shipment(
            vroom.ShipmentStep(
                job_of[a.id],
                nd + job_of[a.id] - 1,
                default_service=a.service_s,
                time_windows=windows(a),
            ),
            vroom.ShipmentStep(
                job_of[b.id],
                nd + job_of[b.id] - 1,
                default_service=b.service_s,
                time_windows=windows(b),
            ),
            amount=vroom.Amount([a.demand.get(d, 0) for d in dims]),
            skills=skills_of(a, b),
            priority=priority(a, b),
        )
    for k, s in enumerate(stops):
        if s.id in paired:
            continue
        inp.add_job(
            vroom.Job(
                k + 1,
                location=nd + k,
                default_service=s.service_s,
                delivery=vroom.Amount([s.demand.get(d, 0) for d in dims]),
                pickup=vroom.Amount([s.pickup.get(d, 0) for d in dims]),
                skills=skills_of(s),
                priority=priority(s),
                time_windows=windows(s),
            )
        )
    return inp


def _steps(prepared: Prepared, job_of: dict[str, int], vehicle_id: str, stop_ids: list[str]):
    """An initial route as VROOM steps (a paired stop is a shipment's pickup or delivery).
    VROOM wants the breaks in the sequence too: each goes before the first visit that starts
    after it ends (a break after the return goes last)."""
    problem = prepared.problem
    kind = {x.pickup: vroom.VehicleStepPickup for x in problem.pairs}
    kind |= {x.delivery: vroom.VehicleStepDelivery for x in problem.pairs}
    ids = [s for s in stop_ids if s in job_of]
    timed = timed_route(problem, prepared.matrices, vehicle_id, ids)
    vehicle = next(v for v in problem.vehicles if v.id == vehicle_id)
    rules = sorted(vehicle.breaks, key=lambda b: b.earliest_s)
    pauses = sorted(
        (b.start_s + b.duration_s, k + 1)
        for k, b in enumerate(sorted(timed.breaks, key=lambda b: b.start_s)[: len(rules)])
    )
    steps = [vroom.VehicleStepStart()]
    for visit in timed.visits:
        while pauses and pauses[0][0] <= visit.start_s:
            steps.append(vroom.VehicleStepBreak(pauses.pop(0)[1]))
        steps.append(kind.get(visit.stop_id, vroom.VehicleStepSingle)(job_of[visit.stop_id]))
    steps += [vroom.VehicleStepBreak(k) for _, k in pauses]
    return steps + [vroom.VehicleStepEnd()]


def solve_vroom(
    prepared: Prepared,
    time_limit_s: float,
    *,
    threads: int = 2,
    searches: int | None = None,
    initial: dict[str, list[str]] | None = None,
) -> EngineResult | None:
    """Solve with VROOM in this process within about `time_limit_s` (VROOM stops its
    searches at the timeout and may overshoot a little). `searches`: how many of VROOM's
    heuristic starts to run (None: exploration level 5's 32); VROOM divides the timeout
    evenly between the searches of a thread, so fewer searches each search deeper."""
    started = time.perf_counter()
    initial = dict(initial or {})
    for _ in range(MAX_START_RETRIES + 1):
        try:
            inp = build_input(prepared, initial)
            left = time_limit_s - (time.perf_counter() - started)
            if left <= 0:
                return None
            rows, cost = run(inp, left, threads, searches)
            break
        except VROOM_ERRORS as exc:
            # VROOM places breaks on a given start more strictly than it checks plans, and
            # refuses some that pass our checker: start that vehicle empty instead. Any
            # other refusal leaves the plan to the other engines.
            vid = _vehicle_in(str(exc))
            if vid is None or not initial:
                return None
            initial.pop(prepared.problem.vehicles[vid - 1].id, None)
    else:
        return None
    result = read_solution(prepared, rows, cost)
    result.stats.update(threads=threads, searches=searches or 32, wall_s=elapsed(started))
    return result


def _vehicle_in(message: str) -> int | None:
    match = re.search(r"for vehicle (\d+)", message)
    return int(match.group(1)) if match else None


def run(inp: vroom.Input, time_limit_s: float, threads: int, searches: int | None):
    """Solve a built input; VROOM's route rows and its own cost."""
    timeout = timedelta(seconds=max(time_limit_s, 0.01))
    if searches is None:
        sol = inp._solve(exploration_level=EXPLORATION_LEVEL, nb_threads=threads, timeout=timeout)
    else:
        sol = inp._solve(
            nb_searches=searches, depth=EXPLORATION_LEVEL, nb_threads=threads, timeout=timeout
        )
    return np.asarray(sol._routes_numpy()), int(sol.summary.cost)


def elapsed(started: float) -> float:
    return round(time.perf_counter() - started, 3)


def read_solution(prepared: Prepared, rows, vroom_cost: int) -> EngineResult:
    """Routes with VROOM's own times (service start = arrival + waiting) and break starts;
    distances recomputed from our matrix."""
    p = prepared.problem
    stops = [p.stops[i] for i in prepared.active]
    depot_node, stop_node = p.node_of_depot(), p.node_of_stop()
    by_vehicle: dict[int, list] = {}
    for row in rows:
        by_vehicle.setdefault(int(row["vehicle_id"]), []).append(row)
    routes, planned = [], set()
    for vid, steps in sorted(by_vehicle.items()):
        vehicle = p.vehicles[vid - 1]
        route = Route(vehicle.id, [], 0, 0)
        nodes = [depot_node[vehicle.start_depot]]
        for row in steps:
            kind = _text(row["type"])
            begin = int(row["arrival"]) + int(row["waiting_time"])
            if kind == "start":
                route.start_s = int(row["arrival"])
            elif kind == "end":
                route.end_s = int(row["arrival"])
            elif kind == "break":
                route.breaks.append(PlannedBreak(begin, int(row["service"])))
            else:
                stop = stops[int(row["id"]) - 1]
                route.visits.append(
                    Visit(stop.id, int(row["arrival"]), begin, begin + int(row["service"]))
                )
                nodes.append(stop_node[stop.id])
                planned.add(stop.id)
        nodes.append(depot_node[vehicle.end_depot_id])
        m = prepared.matrices.distance_m
        route.distance_m = int(sum(int(m[a, b]) for a, b in itertools.pairwise(nodes)))
        if route.visits:
            routes.append(route)
    unassigned = [
        Unassigned(s.id, "dropped: not enough capacity/time") for s in stops if s.id not in planned
    ]
    return EngineResult(routes, unassigned, {"engine": "vroom", "vroom_cost": vroom_cost})


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
