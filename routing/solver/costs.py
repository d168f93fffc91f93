"""The objective in integer cost units, shared by both engines and by the portfolio's judge.

Both engines receive exactly these integer rates, so a plan costs the same whichever engine
made it, and the portfolio can compare them fairly.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import COST_UNITS, Problem, Solution, Stop, Vehicle

# A required stop left out costs more than any plausible plan, but stays far from int64
# overflow even when a thousand of them add up.
REQUIRED_PENALTY = 10**12


@dataclass(frozen=True)
class Rates:
    per_metre: int
    per_second: int  # charged on route duration, waiting included (drivers are paid for it)
    fixed: int


def vehicle_rates(problem: Problem, vehicle: Vehicle) -> Rates:
    o = problem.objective
    fixed = vehicle.fixed_cost * o.fixed_cost_weight
    if o.minimise_vehicles:
        fixed += o.vehicle_penalty
    return Rates(
        per_metre=round(vehicle.cost_per_km * o.distance_weight * COST_UNITS / 1000),
        per_second=round(vehicle.cost_per_hour * o.duration_weight * COST_UNITS / 3600),
        fixed=round(fixed * COST_UNITS),
    )


def drop_penalty(problem: Problem, stop: Stop) -> int:
    """Optional stops cost their penalty (x(1 + priority)) when left out; required stops cost
    REQUIRED_PENALTY, so they are dropped only when no plan can include them."""
    if not stop.optional:
        return REQUIRED_PENALTY
    base = (
        problem.objective.default_drop_penalty if stop.drop_penalty is None else stop.drop_penalty
    )
    return round(base * (1 + max(stop.priority, 0)) * COST_UNITS)


def solution_units(problem: Problem, solution: Solution) -> int:
    """Integer cost of a plan: vehicle costs plus drop penalties of unassigned stops."""
    vehicles = {v.id: v for v in problem.vehicles}
    stops = {s.id: s for s in problem.stops}
    total = 0
    for route in solution.routes:
        if not route.visits:
            continue
        r = vehicle_rates(problem, vehicles[route.vehicle_id])
        total += r.fixed + r.per_metre * route.distance_m + r.per_second * route.duration_s
    total += sum(drop_penalty(problem, stops[u.stop_id]) for u in solution.unassigned)
    return total


def rank_key(problem: Problem, solution: Solution) -> tuple[int, int]:
    """Lexicographic quality: fewest required stops left out, then lowest cost."""
    stops = {s.id: s for s in problem.stops}
    missing_required = sum(1 for u in solution.unassigned if not stops[u.stop_id].optional)
    return missing_required, solution_units(problem, solution)
