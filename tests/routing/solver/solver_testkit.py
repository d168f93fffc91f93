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
