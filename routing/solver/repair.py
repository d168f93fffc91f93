"""Repair of plans made under a relaxation (PyVRP without breaks): drop stops from routes the
checker rejects until they pass, then put each dropped stop back at its cheapest position
that passes, in any route. Every test is the checker's own route check on an exact schedule
(`schedule.timed_route`), so a repaired plan is valid by construction."""

from __future__ import annotations

import itertools
import time

from .checker import _check_route
from .costs import vehicle_rates
from .model import Route, Unassigned
from .ortools_engine import EngineResult
from .prepare import Prepared
from .schedule import timed_route

MAX_TRIES = 500  # exact tests per stop to put back, cheapest positions first
SWAP_POSITIONS = 10  # cheapest positions where a stop may push another one out
SWAP_TRIES = 60  # exact tests to put the pushed-out stop back elsewhere


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


def repair(prepared: Prepared, result: EngineResult, time_limit_s: float = 2.0) -> EngineResult:
    """The same plan where it passes the checker; otherwise the fewest changes found. Required
    stops the engine left out get a try too (its relaxed model may have misjudged them).
    `time_limit_s` bounds the search for a place for stops that fit nowhere as they are."""
    until = time.perf_counter() + time_limit_s
    plan = _Plan(prepared, result.routes)
    dropped: list[str] = []
    for vid in list(plan.seqs):
        while plan.seqs[vid] and plan.faults(vid, plan.seqs[vid]):
            dropped += _drop_one(plan, vid)
    by_id = {s.id: s for s in plan.problem.stops}
    missing = [u.stop_id for u in result.unassigned if not by_id[u.stop_id].optional]
    if not dropped and not missing:
        return result
    stop_pos = {plan.problem.stops[i].id: i for i in prepared.active}
    left = []
    for sid in sorted(dropped + missing, key=lambda s: _slack(plan, s)):
        placed = sid not in plan.partner and (
            _insert(plan, sid, stop_pos[sid]) or _swap_in(plan, sid, stop_pos, until)
        )
        if not placed:
            left.append(sid)
    routes = [timed_route(plan.problem, plan.m, vid, ids) for vid, ids in plan.seqs.items() if ids]
    unassigned = [u for u in result.unassigned if u.stop_id not in missing] + [
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


def _swap_in(plan: _Plan, sid: str, stop_pos: dict[str, int], until: float) -> bool:
    """Put the stop at one of its cheapest positions, pushing another stop of that route out
    to a feasible place elsewhere (one level of ejection chain)."""
    for _, vid, pos in _positions(plan, sid, stop_pos[sid])[:SWAP_POSITIONS]:
        ids = plan.seqs.get(vid, [])
        trial = ids[:pos] + [sid] + ids[pos:]
        for out in ids:
            if time.perf_counter() > until:
                return False
            rest = [x for x in trial if x != out]
            if out in plan.partner or plan.faults(vid, rest):
                continue
            saved = plan.seqs[vid]
            plan.seqs[vid] = rest
            if _insert(plan, out, stop_pos[out], SWAP_TRIES, avoid=vid):
                return True
            plan.seqs[vid] = saved
    return False


def _positions(plan: _Plan, sid: str, stop_index: int) -> list[tuple[int, str, int]]:
    """(cost of the detour, vehicle, position) over the vehicles allowed to serve the stop,
    cheapest first."""
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
    return candidates


def _insert(
    plan: _Plan, sid: str, stop_index: int, tries: int = MAX_TRIES, avoid: str | None = None
) -> bool:
    """Cheapest feasible position over the vehicles allowed to serve the stop."""
    for _, vid, pos in _positions(plan, sid, stop_index)[:tries]:
        if vid == avoid:
            continue
        ids = plan.seqs.get(vid, [])
        trial = ids[:pos] + [sid] + ids[pos:]
        if not plan.faults(vid, trial):
            plan.seqs[vid] = trial
            return True
    return False
