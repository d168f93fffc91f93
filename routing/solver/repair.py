"""Repair of plans made under a relaxation (PyVRP without breaks): drop stops from routes the
checker rejects until they pass, then put each dropped stop back at its cheapest position
that passes, in any route. Every test is the checker's own route check on an exact schedule
(`schedule.timed_route`), so a repaired plan is valid by construction."""

from __future__ import annotations

import itertools

from .checker import _check_route
from .costs import vehicle_rates
from .model import Route, Unassigned
from .ortools_engine import EngineResult
from .prepare import Prepared
from .schedule import timed_route

MAX_TRIES = 60  # exact tests per stop to put back, cheapest positions first


class _Plan:
    def __init__(self, prepared: Prepared, routes: list[Route]) -> None:
        self.p = prepared
        self.problem = prepared.problem
        self.m = prepared.matrices
        self.vehicles = {v.id: v for v in self.problem.vehicles}
        self.index = {v.id: k for k, v in enumerate(self.problem.vehicles)}
        self.seqs = {r.vehicle_id: list(r.stop_ids) for r in routes}
        self.partner = {x.pickup: x.delivery for x in self.problem.pairs}
        self.partner |= {x.delivery: x.pickup for x in self.problem.pairs}

    def timed(self, vid: str, ids: list[str]) -> Route:
        exact = self.vehicles[vid].max_duration_s is not None
        return timed_route(self.problem, self.m, vid, ids, latest_departure=exact)

    def faults(self, vid: str, ids: list[str]) -> int:
        if not ids:
            return 0
        bad = len(_check_route(self.problem, self.m, self.timed(vid, ids)))
        return bad + self._pair_faults(ids)

    def _pair_faults(self, ids: list[str]) -> int:
        where = {s: k for k, s in enumerate(ids)}
        return sum(
            1
            for x in self.problem.pairs
            if (x.pickup in where) != (x.delivery in where)
            or (x.pickup in where and where[x.pickup] > where[x.delivery])
        )

    def distance(self, vid: str, ids: list[str]) -> int:
        v = self.vehicles[vid]
        depot, stop = self.problem.node_of_depot(), self.problem.node_of_stop()
        nodes = [depot[v.start_depot]] + [stop[s] for s in ids] + [depot[v.end_depot_id]]
        return sum(int(self.m.distance_m[a, b]) for a, b in itertools.pairwise(nodes))


def repair(prepared: Prepared, result: EngineResult) -> EngineResult:
    """The same plan where it passes the checker; otherwise the fewest changes found."""
    plan = _Plan(prepared, result.routes)
    dropped: list[str] = []
    for vid in list(plan.seqs):
        while plan.seqs[vid] and plan.faults(vid, plan.seqs[vid]):
            removed = _drop_one(plan, vid)
            dropped += removed
    if not dropped and all(not _check_route(plan.problem, plan.m, r) for r in result.routes):
        return result
    stop_pos = {plan.problem.stops[i].id: i for i in prepared.active}
    left = []
    for sid in sorted(dropped, key=lambda s: _slack(plan, s)):
        if sid in plan.partner or not _insert(plan, sid, stop_pos[sid]):
            left.append(sid)
    routes = [timed_route(plan.problem, plan.m, vid, ids) for vid, ids in plan.seqs.items() if ids]
    unassigned = list(result.unassigned) + [
        Unassigned(s, "dropped: not enough capacity/time") for s in left
    ]
    stats = dict(result.stats, repaired=len(dropped), repair_left_out=len(left))
    return EngineResult(routes, unassigned, stats)


def _drop_one(plan: _Plan, vid: str) -> list[str]:
    """Remove the stop (with its pair partner) whose removal leaves the fewest faults, then
    the shortest route."""
    ids = plan.seqs[vid]
    best = None
    for sid in ids:
        gone = {sid, plan.partner.get(sid)}
        rest = [s for s in ids if s not in gone]
        key = (plan.faults(vid, rest), plan.distance(vid, rest))
        if best is None or key < best[0]:
            best = (key, rest, [s for s in ids if s in gone])
    plan.seqs[vid] = best[1]
    return best[2]


def _slack(plan: _Plan, sid: str) -> int:
    """Stops with the narrowest windows go back first: they have the fewest places."""
    stop = next(s for s in plan.problem.stops if s.id == sid)
    return sum(w.end_s - w.start_s for w in stop.windows) if stop.windows else 10**9


def _insert(plan: _Plan, sid: str, stop_index: int) -> bool:
    """Cheapest feasible position over the vehicles allowed to serve the stop."""
    problem = plan.problem
    depot, stop = problem.node_of_depot(), problem.node_of_stop()
    d = plan.m.distance_m
    s = stop[sid]
    candidates = []
    for k in plan.p.allowed[stop_index]:
        v = problem.vehicles[k]
        ids = plan.seqs.get(v.id, [])
        nodes = [depot[v.start_depot]] + [stop[x] for x in ids] + [depot[v.end_depot_id]]
        rates = vehicle_rates(problem, v)
        opening = 0 if ids else rates.fixed
        for pos in range(len(nodes) - 1):
            a, b = nodes[pos], nodes[pos + 1]
            delta = int(d[a, s]) + int(d[s, b]) - int(d[a, b])
            candidates.append((rates.per_metre * delta + opening, v.id, pos))
    candidates.sort()
    for _, vid, pos in candidates[:MAX_TRIES]:
        ids = plan.seqs.get(vid, [])
        trial = ids[:pos] + [sid] + ids[pos:]
        if not plan.faults(vid, trial):
            plan.seqs[vid] = trial
            return True
    return False
