"""Builders for small planar problems with exact Euclidean matrices (1 unit = 1 m = 1 s)."""

from __future__ import annotations

import itertools

from routing.solver import Depot, Problem, Stop, Vehicle
from routing.solver.providers import euclidean_matrices


def planar(depots: list[Depot], vehicles: list[Vehicle], stops: list[Stop], **kw) -> Problem:
    """A problem whose matrices are the rounded Euclidean distances of the coordinates."""
    problem = Problem(depots, vehicles, stops, **kw)
    problem.matrices = euclidean_matrices(list(problem.points))
    return problem


def depot(x: float = 0, y: float = 0, id: str = "D") -> Depot:
    return Depot(id, (x, y))


def tour_length(problem: Problem, order: list[str], depot_index: int = 0) -> int:
    node = problem.node_of_stop()
    nodes = [depot_index] + [node[s] for s in order] + [depot_index]
    return sum(int(problem.matrices.distance_m[a, b]) for a, b in itertools.pairwise(nodes))


def brute_force_cvrp(problem: Problem, capacity: int) -> int:
    """Optimal distance with up to two identical vehicles (depot 0, one dimension "units")."""
    ids = [s.id for s in problem.stops]
    demand = {s.id: s.demand.get("units", 0) for s in problem.stops}
    best = None
    for perm in itertools.permutations(ids):
        for cut in range(len(ids) + 1):
            parts = [list(perm[:cut]), list(perm[cut:])]
            if any(sum(demand[s] for s in part) > capacity for part in parts):
                continue
            total = sum(tour_length(problem, part) for part in parts if part)
            best = total if best is None else min(best, total)
    return best


def brute_force(problem: Problem) -> int | None:
    """Cheapest plan serving every stop, in cost units, by enumerating every order of the
    stops cut into one (possibly empty) sequence per vehicle. Each sequence is timed with the
    exact schedule (breaks placed) and judged by the independent checker's route rules."""
    from routing.solver.checker import _check_pairs, _check_route
    from routing.solver.costs import solution_units
    from routing.solver.model import Solution
    from routing.solver.schedule import timed_route

    ids = [s.id for s in problem.stops]
    vids = [v.id for v in problem.vehicles]
    memo: dict[tuple, object] = {}

    def route(vid: str, seq: tuple[str, ...]):
        key = (vid, seq)
        if key not in memo:
            r = timed_route(problem, problem.matrices, vid, list(seq))
            memo[key] = None if _check_route(problem, problem.matrices, r) else r
        return memo[key]

    best = None
    for perm in itertools.permutations(ids):
        for cuts in itertools.combinations_with_replacement(range(len(ids) + 1), len(vids) - 1):
            bounds = [0, *cuts, len(ids)]
            routes = []
            for k, vid in enumerate(vids):
                seq = perm[bounds[k] : bounds[k + 1]]
                if seq:
                    r = route(vid, seq)
                    if r is None:
                        break
                    routes.append(r)
            else:
                sol = Solution(routes, [])
                if _check_pairs(problem, sol):
                    continue
                cost = solution_units(problem, sol)
                best = cost if best is None else min(best, cost)
    return best
