"""Cheapest feasible insertion of one stop into one vehicle's fixed sequence (pure, no Django).

Same-day insertion into a live route, a carrier's "what would our own van charge" and a
promise's "what does this slot cost" all ask one question: where in this sequence does the new
stop fit, and what does it add to the optimiser's objective? Every position is timed exactly
(`schedule.timed_route`, driver breaks included) and judged by the independent checker, so an
answer of "feasible" is a plan the optimiser itself would accept; the cost is the optimiser's
(`costs.vehicle_rates`: distance, route duration with waiting, fixed cost when the route opens).

A position is allowed only after the stops already done (`problem.completed[vehicle]`), and
only if it adds no violation the current sequence does not already have (a route running late
can still take a stop that makes nothing worse).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .checker import _check_route
from .costs import vehicle_rates
from .model import COST_UNITS, Matrices, Problem, Route
from .schedule import timed_route

# Why a stop fits nowhere, in the order they are reported: the first reason that holds at
# every position is the one a dispatcher can act on.
SKILL_MISSING = "skill_missing"
NO_CAPACITY = "no_capacity"
WINDOW_UNREACHABLE = "window_unreachable"
SHIFT_EXCEEDED = "shift_exceeded"
NO_BREAK_ROOM = "no_break_room"
NO_POSITION = "no_position"
REASONS = (
    SKILL_MISSING,
    NO_CAPACITY,
    WINDOW_UNREACHABLE,
    SHIFT_EXCEEDED,
    NO_BREAK_ROOM,
    NO_POSITION,
)
_KIND_REASON = {
    "skill": SKILL_MISSING,
    "capacity": NO_CAPACITY,
    "time_window": WINDOW_UNREACHABLE,
    "shift": SHIFT_EXCEEDED,
    "max_duration": SHIFT_EXCEEDED,
    "max_distance": SHIFT_EXCEEDED,
    "break": NO_BREAK_ROOM,
}


@dataclass(frozen=True)
class PositionCheck:
    """One position: `position` is the index the candidate takes in the sequence (0 = first
    stop); `faults` the checker's new findings there, as (reason, message)."""

    position: int
    cost_units: int
    faults: tuple[tuple[str, str], ...] = ()

    @property
    def feasible(self) -> bool:
        return not self.faults


@dataclass
class Insertion:
    """The answer for one vehicle. Feasible: `position` (0-based index in the new sequence),
    the added cost (currency and integer `COST_UNITS`), distance and duration, and both timed
    routes. Infeasible: `reason` (one of REASONS) and `message` in plain words."""

    vehicle_id: str
    candidate: str
    feasible: bool
    position: int | None = None
    cost: float = 0.0
    cost_units: int = 0
    added_distance_m: int = 0
    added_duration_s: int = 0
    reason: str = ""
    message: str = ""
    before: Route | None = None
    after: Route | None = None
    positions: list[PositionCheck] = field(default_factory=list)

    @property
    def sequence(self) -> list[str]:
        return self.after.stop_ids if self.after else []


def route_cost_units(problem: Problem, route: Route) -> int:
    """The optimiser's cost of one timed route (fixed cost only when it has stops)."""
    if not route.visits:
        return 0
    vehicle = next(v for v in problem.vehicles if v.id == route.vehicle_id)
    r = vehicle_rates(problem, vehicle)
    return r.fixed + r.per_metre * route.distance_m + r.per_second * route.duration_s


def _timed(problem: Problem, m: Matrices, vehicle_id: str, ids: list[str]) -> Route:
    if not ids:
        vehicle = next(v for v in problem.vehicles if v.id == vehicle_id)
        return Route(vehicle_id, [], vehicle.shift.start_s, vehicle.shift.start_s)
    return timed_route(problem, m, vehicle_id, ids)


def _findings(problem: Problem, m: Matrices, route: Route) -> set[tuple[str, tuple[str, ...]]]:
    return {(v.kind, v.ids) for v in _check_route(problem, m, route)}


def best_insertion(
    problem: Problem,
    matrices: Matrices,
    vehicle_id: str,
    sequence: list[str],
    candidate: str,
    *,
    first_position: int | None = None,
    keep_positions: bool = False,
) -> Insertion:
    """Where `candidate` (a stop of `problem`, not in `sequence`) fits best in `vehicle_id`'s
    `sequence` (stop ids in visiting order, done stops first).

    Positions run from `first_position` (default: after the vehicle's completed stops in
    `problem.completed`) to the end. Each is timed and checked; the cheapest feasible one by
    the optimiser's objective wins (ties: the earliest). `matrices` covers the problem's nodes
    (depots, then stops). `keep_positions` keeps every position's verdict (previews, tests).
    """
    vehicle = next((v for v in problem.vehicles if v.id == vehicle_id), None)
    stop = next((s for s in problem.stops if s.id == candidate), None)
    if vehicle is None or stop is None:
        raise KeyError(vehicle_id if vehicle is None else candidate)
    done = len(problem.completed.get(vehicle_id, ()))
    first = done if first_position is None else max(first_position, done)
    before = _timed(problem, matrices, vehicle_id, list(sequence))
    out = Insertion(vehicle_id, candidate, feasible=False, before=before)
    missing = stop.skills - vehicle.skills
    if missing:
        out.reason = SKILL_MISSING
        out.message = f"{vehicle_id} lacks the skill {', '.join(sorted(missing))}."
        return out
    if first > len(sequence):
        out.reason, out.message = NO_POSITION, "No position is left after the stops done."
        return out
    base_units = route_cost_units(problem, before)
    known = _findings(problem, matrices, before) if sequence else set()
    best: tuple[int, int, Route] | None = None
    checks: list[PositionCheck] = []
    for pos in range(first, len(sequence) + 1):
        ids = [*sequence[:pos], candidate, *sequence[pos:]]
        route = timed_route(problem, matrices, vehicle_id, ids)
        faults = tuple(
            sorted(
                (_KIND_REASON.get(v.kind, v.kind), v.message)
                for v in _check_route(problem, matrices, route)
                if (v.kind, v.ids) not in known
            )
        )
        units = route_cost_units(problem, route) - base_units
        checks.append(PositionCheck(pos, units, faults))
        if not faults and (best is None or units < best[0]):
            best = (units, pos, route)
    if keep_positions:
        out.positions = checks
    if best is None:
        out.reason, out.message = _reason(checks)
        return out
    units, pos, after = best
    out.feasible = True
    out.position = pos
    out.cost_units = units
    out.cost = units / COST_UNITS
    out.added_distance_m = after.distance_m - before.distance_m
    out.added_duration_s = after.duration_s - before.duration_s
    out.after = after
    return out


def _reason(checks: list[PositionCheck]) -> tuple[str, str]:
    """The first reason (in REASONS order) that every position shares, else the first reason
    of the position with the fewest faults."""
    left = checks
    for reason in REASONS:
        hit = [c for c in left if any(r == reason for r, _ in c.faults)]
        if hit and len(hit) == len(left):
            message = next(msg for r, msg in hit[0].faults if r == reason)
            return reason, message
        left = [c for c in left if c not in hit] or left
    fewest = min(checks, key=lambda c: len(c.faults))
    return fewest.faults[0]
