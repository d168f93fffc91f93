"""Write a solver Solution into Route and Stop rows.

Stop rows are kept per (plan, order) across re-optimisations, so a stop keeps its status, ETA
history and actual times when it moves; routes are kept per shift. Everything happens inside
the caller's transaction, so a plan never shows half of a result.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Max

from core import events
from routing.models import Plan, Route, Stop, StopStatus
from routing.services.problem import PlanProblem
from routing.solver import Route as SolverRoute
from routing.solver import Solution


def solution_store(*, ctx: PlanProblem, solution: Solution, job=None) -> None:
    """Make the plan's routes and stops exactly `solution`; orders it left out become the
    plan's `unassigned` list with their reasons (and lose any planned stop they had).
    Publishes `plan.routes_changed` with the orders whose stops were written or removed."""
    plan = ctx.plan
    stops = {s.ref: s for s in Stop.objects.filter(plan=plan).select_related("order", "ret")}
    routes = {r.vehicle.code: r for r in Route.objects.filter(plan=plan).select_related("vehicle")}
    used = {r.vehicle_id for r in solution.routes if r.visits}
    next_sequence = (Route.objects.filter(plan=plan).aggregate(m=Max("sequence"))["m"] or 0) + 1
    planned_refs: set[str] = set()
    for solver_route in sorted(solution.routes, key=lambda r: r.vehicle_id):
        if not solver_route.visits:
            continue
        route = routes.get(solver_route.vehicle_id)
        if route is None:
            shift = ctx.shifts[solver_route.vehicle_id]
            route = Route(
                plan=plan,
                vehicle=shift.vehicle,
                shift=shift,
                driver=shift.driver,
                sequence=next_sequence,
            )
            next_sequence += 1
        route.job = job
        route_apply_times(ctx=ctx, route=route, solver_route=solver_route)
        route.save()
        routes[solver_route.vehicle_id] = route
        for k, visit in enumerate(solver_route.visits, start=1):
            stop = stops.get(visit.stop_id)
            if stop is None:
                stop = _new_stop(ctx, visit.stop_id)
                stops[visit.stop_id] = stop
            stop.route = route
            stop.sequence = k
            stop.window_start, stop.window_end = _window(ctx, visit.stop_id)
            if stop.status == StopStatus.PLANNED or stop.pk is None:
                stop.planned_arrival = ctx.at(visit.arrival_s)
                stop.planned_start = ctx.at(visit.start_s)
                stop.planned_departure = ctx.at(visit.departure_s)
            stop.save()
            planned_refs.add(visit.stop_id)
    leftover = {ref: s.pk for ref, s in stops.items() if ref not in planned_refs}
    Stop.objects.filter(pk__in=leftover.values(), status=StopStatus.PLANNED).delete()
    for code, route in routes.items():
        if code not in used and route.pk and not route.stops.exists():
            route.delete()
    plan.unassigned = [
        {"order": u.stop_id, "reason": u.reason}
        for u in sorted(solution.unassigned, key=lambda u: u.stop_id)
    ]
    Plan.objects.filter(pk=plan.pk).update(unassigned=plan.unassigned)
    renumber_routes(plan=plan)
    events.publish(
        "plan.routes_changed",
        {"plan": plan.reference, "orders": sorted(planned_refs | set(leftover))},
    )


def _new_stop(ctx: PlanProblem, ref: str) -> Stop:
    ret = ctx.returns.get(ref)
    if ret is not None:
        return Stop(plan=ctx.plan, order=ret.order, ret=ret)
    return Stop(plan=ctx.plan, order=ctx.orders[ref])


def _window(ctx: PlanProblem, ref: str) -> tuple:
    ret = ctx.returns.get(ref)
    if ret is not None:
        return ret.pickup_window_start, ret.pickup_window_end
    return ctx.orders[ref].windows[0]


def route_apply_times(*, ctx: PlanProblem, route: Route, solver_route: SolverRoute) -> None:
    """Copy the solver's distance, times, breaks and load onto the (unsaved) route row; the
    load is the heaviest the van gets (at the start, or later once it collected pickups)."""
    route.start_at = ctx.at(solver_route.start_s)
    route.end_at = ctx.at(solver_route.end_s)
    route.distance_m = solver_route.distance_m
    route.duration_s = solver_route.duration_s
    route.breaks = [
        {"start": ctx.at(b.start_s).isoformat(), "duration_s": b.duration_s}
        for b in solver_route.breaks
    ]
    load = ctx.load_profile([v.stop_id for v in solver_route.visits])
    route.load_weight_kg = load.weight_kg.quantize(Decimal("0.01"))
    route.load_volume_m3 = load.volume_m3.quantize(Decimal("0.001"))
    route.load_units = load.units


def renumber_routes(*, plan: Plan) -> None:
    """Routes numbered 1..n by vehicle code, so colours and sheet numbers stay stable."""
    routes = list(Route.objects.filter(plan=plan).select_related("vehicle"))
    for n, route in enumerate(sorted(routes, key=lambda r: r.vehicle.code), start=1):
        if route.sequence != n:
            Route.objects.filter(pk=route.pk).update(sequence=n)
