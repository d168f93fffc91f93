"""Decomposition of large problems: split by depot, then by angular sectors around the depot;
solve the parts independently (in-process here, a Celery chord on the Django side), merge, and
improve the merged plan on the whole problem.

Sectors rather than k-means because routes radiate from the depot: a sector holds whole routes,
while a k-means blob far from the depot would share its approach roads with its neighbours.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from dataclasses import replace

import numpy as np

from .costs import solution_units
from .model import COST_UNITS, Matrices, Problem, Solution, Stop
from .prepare import Prepared


def split_problem(problem: Problem, max_size: int) -> list[Problem]:
    """Parts of at most ~max_size stops; each stop and vehicle in exactly one part. Pairs
    stay together; stops locked to a vehicle follow it. Each part keeps all depots so the
    matrices can be sliced without renumbering."""
    if max_size < 1:
        raise ValueError("max_size must be positive")
    if len(problem.stops) <= max_size:
        return [problem]
    depots = {d.id: d for d in problem.depots}
    groups: dict[str, list[Stop]] = {d.id: [] for d in problem.depots}
    home = {v.start_depot for v in problem.vehicles}
    for s in problem.stops:
        groups[_nearest_depot(s, problem, home)].append(s)
    parts: list[tuple[list[Stop], list]] = []
    for depot_id, stops in groups.items():
        vehicles = [v for v in problem.vehicles if v.start_depot == depot_id]
        if not stops and not vehicles:
            continue
        k = max(1, min(math.ceil(len(stops) / max_size), len(vehicles) or 1))
        sectors = _sectors(stops, depots[depot_id].location, k)
        parts += _share_vehicles(problem, sectors, vehicles)
    return [_sub_problem(problem, stops, vehicles, n) for n, (stops, vehicles) in enumerate(parts)]


def _nearest_depot(stop: Stop, problem: Problem, home: set[str]) -> str:
    """Nearest depot that is some vehicle's home (plain coordinate distance: only grouping)."""
    candidates = [d for d in problem.depots if d.id in home and d.location is not None]
    if stop.location is None or not candidates:
        return problem.vehicles[0].start_depot
    return min(candidates, key=lambda d: math.dist(d.location, stop.location)).id


def _sectors(stops: list[Stop], centre, k: int) -> list[list[Stop]]:
    """k angular sectors of equal stop count, starting at the widest angular gap so no
    dense cluster is cut in two by the arbitrary zero angle."""
    if k == 1 or not stops:
        return [stops]
    cx, cy = centre if centre is not None else (0.0, 0.0)

    def angle(s: Stop) -> float:
        x, y = s.location if s.location is not None else (cx, cy)
        return math.atan2(y - cy, x - cx)

    ordered = sorted(stops, key=angle)
    angles = [angle(s) for s in ordered]
    gaps = [(angles[(i + 1) % len(angles)] - angles[i]) % (2 * math.pi) for i in range(len(angles))]
    first = (int(np.argmax(gaps)) + 1) % len(ordered)
    ordered = ordered[first:] + ordered[:first]
    bounds = np.linspace(0, len(ordered), k + 1).round().astype(int)
    return [ordered[a:b] for a, b in itertools.pairwise(bounds)]


def _share_vehicles(problem: Problem, sectors: list[list[Stop]], vehicles: list):
    """Vehicles in proportion to each sector's stop count (at least one each); a vehicle with
    locked or completed stops goes where those stops are, pulling its pair partners along."""
    locked_to = {s.id: s.locked_vehicle for s in problem.stops if s.locked_vehicle}
    for vid, ids in list(problem.completed.items()) + [
        (v, problem.initial_routes.get(v, [])) for v in problem.locked_routes
    ]:
        locked_to.update(dict.fromkeys(ids, vid))
    sector_of = {s.id: k for k, sec in enumerate(sectors) for s in sec}
    owner: dict[str, int] = {}
    for sid, vid in locked_to.items():
        if sid in sector_of:
            owner.setdefault(vid, sector_of[sid])
    free = [v for v in vehicles if v.id not in owner]
    total = sum(len(s) for s in sectors) or 1
    shares = [len(s) * len(free) / total for s in sectors]
    counts = [max(1, int(x)) for x in shares]
    while sum(counts) > len(free) and max(counts) > 1:
        counts[counts.index(max(counts))] -= 1
    for k in sorted(range(len(sectors)), key=lambda k: shares[k] - int(shares[k]), reverse=True):
        if sum(counts) >= len(free):
            break
        counts[k] += 1
    assigned: list[list] = [[] for _ in sectors]
    it = iter(free)
    for k, n in enumerate(counts):
        assigned[k] += [v for _, v in zip(range(n), it, strict=False)]
    for v in vehicles:
        if v.id in owner:
            assigned[owner[v.id]].append(v)
    # Everything pulled out of its sector by a lock or a pair moves with it.
    moves = {sid: owner[vid] for sid, vid in locked_to.items() if vid in owner}
    for p in problem.pairs:
        target = moves.get(p.pickup, moves.get(p.delivery, sector_of.get(p.pickup)))
        if target is not None:
            moves[p.pickup] = moves[p.delivery] = target
    stops_out: list[list[Stop]] = [[] for _ in sectors]
    for k, sec in enumerate(sectors):
        for s in sec:
            stops_out[moves.get(s.id, k)].append(s)
    return [(stops_out[k], assigned[k]) for k in range(len(sectors)) if stops_out[k] or assigned[k]]


def _sub_problem(problem: Problem, stops: list[Stop], vehicles: list, n: int) -> Problem:
    ids = {s.id for s in stops}
    vids = {v.id for v in vehicles}
    matrices = None
    if problem.matrices is not None:
        index = {s.id: len(problem.depots) + i for i, s in enumerate(problem.stops)}
        keep = list(range(len(problem.depots))) + [index[s.id] for s in stops]
        ix = np.ix_(keep, keep)
        matrices = Matrices(problem.matrices.distance_m[ix], problem.matrices.duration_s[ix])
    return replace(
        problem,
        vehicles=list(vehicles),
        stops=list(stops),
        pairs=[p for p in problem.pairs if p.pickup in ids],
        matrices=matrices,
        initial_routes={v: r for v, r in problem.initial_routes.items() if v in vids},
        completed={v: r for v, r in problem.completed.items() if v in vids},
        locked_routes=frozenset(v for v in problem.locked_routes if v in vids),
        name=f"{problem.name}#{n + 1}",
    )


def merge_solutions(problem: Problem, parts: list[Solution]) -> Solution:
    """Concatenate the parts' routes and unassigned stops into one plan for `problem`."""
    merged = Solution(
        routes=[r for part in parts for r in part.routes],
        unassigned=[u for part in parts for u in part.unassigned],
        engine="split[" + ",".join(sorted({p.engine for p in parts})) + "]",
        stats={"parts": len(parts)},
    )
    merged.cost = solution_units(problem, merged) / COST_UNITS
    return merged


def improve(problem: Problem, solution: Solution, time_limit_s: float, **kwargs) -> Solution:
    """Re-solve the whole problem warm-started from `solution`; keep the better plan."""
    from .costs import rank_key
    from .portfolio import solve

    routes = {r.vehicle_id: r.stop_ids for r in solution.routes}
    # Locked routes are defined by their initial route: keep it as the caller gave it.
    routes.update({v: problem.initial_routes.get(v, []) for v in problem.locked_routes})
    warm = replace(problem, initial_routes=routes)
    better = solve(warm, time_limit_s, **kwargs)
    if rank_key(problem, better) <= rank_key(problem, solution):
        better.engine = f"{solution.engine}+improve[{better.engine}]"
        return better
    return solution


# Share of the budget spent on the parts; the rest improves the merged plan.
PARTS_SHARE = 0.7


def solve_split(
    prepared: Prepared,
    time_limit_s: float,
    max_size: int,
    progress,
    cancel_event: threading.Event | None,
    engine: str,
) -> Solution:
    """In-process split -> solve parts sequentially -> merge -> improve, in one budget."""
    from .portfolio import solve

    started = time.perf_counter()
    problem = replace(prepared.problem, matrices=prepared.matrices)
    parts = split_problem(problem, max_size)
    budget = time_limit_s * PARTS_SHARE / len(parts)
    solved = [solve(p, budget, engine=engine, cancel_event=cancel_event) for p in parts]
    merged = merge_solutions(problem, solved)
    if progress:
        progress(merged.cost, time.perf_counter() - started)
    left = time_limit_s - (time.perf_counter() - started)
    if left > 0.5 and not (cancel_event and cancel_event.is_set()):
        merged = improve(
            problem, merged, left, engine=engine, progress=progress, cancel_event=cancel_event
        )
    merged.elapsed_s = time.perf_counter() - started
    merged.stats["parts"] = len(parts)
    return merged
