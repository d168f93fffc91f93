"""What each stop costs its route: the optimiser's objective (distance, paid route duration,
fixed cost when the route would be empty) for the route with and without the stop, in the
vehicle's currency. A carrier hand-off compares this saving with the carrier's price."""

from __future__ import annotations

from decimal import Decimal

from routing.models import Plan
from routing.services.problem import problem_build, travel_provider
from routing.solver.costs import vehicle_rates
from routing.solver.model import COST_UNITS
from routing.solver.schedule import timed_route


def plan_stop_savings(*, plan: Plan) -> dict[str, Decimal]:
    """{order reference: what leaving it out of its route saves} for every stop of the plan
    not yet reached. The shortened route is re-timed (breaks placed as the optimiser would);
    the rest of the route keeps its order."""
    ctx = problem_build(plan=plan, warm_start=True)
    problem = ctx.problem
    if not problem.vehicles:
        return {}
    vehicles = {v.id: v for v in problem.vehicles}
    matrices = travel_provider().matrices(
        problem.points, min(v.shift.start_s for v in problem.vehicles)
    )
    savings: dict[str, Decimal] = {}
    for vid, sequence in problem.initial_routes.items():
        if vid not in vehicles or not sequence:
            continue
        rates = vehicle_rates(problem, vehicles[vid])

        def units(ids: list[str], vid=vid, rates=rates) -> int:
            if not ids:
                return 0
            route = timed_route(problem, matrices, vid, ids)
            return (
                rates.fixed
                + rates.per_metre * route.distance_m
                + rates.per_second * (route.duration_s)
            )

        full = units(sequence)
        reached = set(problem.completed.get(vid, ()))
        for stop_id in sequence:
            if stop_id in reached:
                continue
            rest = [s for s in sequence if s != stop_id]
            saved = Decimal(full - units(rest)) / COST_UNITS
            savings[stop_id] = saved.quantize(Decimal("0.01"))
    return savings
