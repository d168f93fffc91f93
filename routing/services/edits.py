"""Dispatcher edits: move a stop to another route or position, checked before it is saved.

The check is the solver's own: the affected routes are re-timed (earliest feasible schedule),
then the independent checker judges capacity, windows, shift and skills; when a driver has a
break, OR-Tools places it on the fixed sequence. Nothing is written unless the result is valid.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from django.db import transaction

from core import events
from core.exceptions import Conflict, ValidationFailed
from routing import conf
from routing.models import Plan, Route, RouteStatus, Stop, StopStatus
from routing.services.overrides import (
    out_for_delivery_overtaken,
    override_record,
    override_require,
)
from routing.services.problem import VOLUME, WEIGHT, PlanProblem, problem_build, travel_provider
from routing.services.results import route_apply_times
from routing.solver import Route as SolverRoute
from routing.solver import Solution, check, solve
from routing.solver.schedule import timed_route


@dataclass
class MoveCheck:
    """The outcome of a proposed move: feasible or not (with reasons a dispatcher can read),
    and the new timed sequence of every affected route (vehicle code -> solver route)."""

    feasible: bool
    reasons: list[str]
    routes: dict[str, SolverRoute] = field(default_factory=dict)
    ctx: PlanProblem | None = None
    # Orders out for delivery the move would move or delay: it then needs an override.
    out_for_delivery: list[Stop] = field(default_factory=list)

    def times(self, vehicle_code: str) -> list[dict]:
        route = self.routes.get(vehicle_code)
        if route is None or self.ctx is None:
            return []
        return [
            {
                "order": v.stop_id,
                "arrival": self.ctx.at(v.arrival_s),
                "start": self.ctx.at(v.start_s),
                "departure": self.ctx.at(v.departure_s),
            }
            for v in route.visits
        ]


def _sequence(route: Route) -> list[Stop]:
    return list(route.stops.select_related("order", "ret").order_by("sequence"))


def _proposed(stop: Stop, target: Route, position: int) -> dict[Route, list[Stop]]:
    """New stop order of the source and target routes; validates the request itself."""
    if stop.is_done or stop.status != StopStatus.PLANNED:
        raise Conflict(
            f"{stop.ref} is {stop.status}; only planned stops can move.",
            field="stop",
            code="stop_started",
        )
    if target.plan_id != stop.plan_id:
        raise ValidationFailed("The target route belongs to another plan.", field="route")
    if target.status == RouteStatus.COMPLETED:
        raise Conflict(
            f"Route {target.sequence} ({target.vehicle.code}) is completed: its driver is back.",
            field="route",
            code="route_completed",
        )
    for route in {stop.route, target}:
        if route.is_locked:
            raise Conflict(
                f"Route {route.sequence} ({route.vehicle.code}) is locked; unlock it first.",
                field="route",
                code="route_locked",
            )
    source_seq = [s for s in _sequence(stop.route) if s.pk != stop.pk]
    target_seq = source_seq if target.pk == stop.route_id else _sequence(target)
    started = sum(1 for s in target_seq if s.status != StopStatus.PLANNED)
    if not isinstance(position, int) or not started < position <= len(target_seq) + 1:
        raise ValidationFailed(
            f"Position must be between {started + 1} and {len(target_seq) + 1} "
            "(stops already reached stay first).",
            field="position",
        )
    target_seq = [*target_seq[: position - 1], stop, *target_seq[position - 1 :]]
    out = {target: target_seq}
    if target.pk != stop.route_id:
        out[stop.route] = source_seq
    return out


def routes_evaluate(ctx: PlanProblem, sequences: dict[str, list[str]]) -> MoveCheck:
    """Time the given vehicle sequences and judge them with the solver's checker."""
    problem = ctx.problem
    refs = {r for seq in sequences.values() for r in seq}
    vids = {v for v, seq in sequences.items() if seq}
    sub = dataclasses.replace(
        problem,
        vehicles=[v for v in problem.vehicles if v.id in vids],
        stops=[s for s in problem.stops if s.id in refs],
        pairs=[],
        initial_routes={v: sequences[v] for v in vids},
        completed={v: c for v, c in problem.completed.items() if v in vids},
        locked_routes=frozenset(vids),
        matrices=None,
    )
    depart = min(v.shift.start_s for v in problem.vehicles)
    sub.matrices = travel_provider().matrices(sub.points, depart)
    routes = {v: timed_route(sub, sub.matrices, v, sequences[v]) for v in sorted(vids)}
    violations = check(sub, Solution(list(routes.values()), []), matrices=sub.matrices)
    # timed_route does not place breaks; OR-Tools does that below on the fixed sequence.
    reasons = [_human(ctx, v) for v in violations if v.kind != "break"]
    if not reasons and any(v.breaks for v in sub.vehicles):
        solved = solve(
            sub,
            conf.get("ROUTING_EDIT_CHECK_TIME_LIMIT_S"),
            engine="ortools",
            provider=travel_provider(),
        )
        if solved.unassigned or len(solved.routes) != len(vids):
            reasons.append("No room for the driver's break with this sequence.")
        else:
            routes = {r.vehicle_id: r for r in solved.routes}
    return MoveCheck(feasible=not reasons, reasons=reasons, routes=routes, ctx=ctx)


def _clock(ctx: PlanProblem, seconds: int) -> str:
    return ctx.at(seconds).astimezone(ctx.origin.tzinfo).strftime("%H:%M")


def _human(ctx: PlanProblem, violation) -> str:
    """Checker findings in the dispatcher's words and units."""
    ids = ", ".join(violation.ids)
    if violation.kind == "capacity":
        m = re.match(r"(\w+) load (\d+) > (\d+)", violation.message)
        if m:
            dim, load, cap = m.group(1), int(m.group(2)), int(m.group(3))
            scale, unit = {WEIGHT: (1000, "kg"), VOLUME: (1_000_000, "m³")}.get(dim, (1, "units"))
            return (
                f"{ids}: load {load / scale:g} {unit} exceeds the capacity "
                f"of {cap / scale:g} {unit}."
            )
    if violation.kind == "time_window":
        m = re.search(r"(-?\d+)$", violation.message)
        order = ctx.orders.get(violation.ids[0]) if violation.ids else None
        if m and order is not None:
            start, end = order.windows[0]
            tz = ctx.origin.tzinfo
            return (
                f"{ids}: arrives at {_clock(ctx, int(m.group(1)))}, outside its window "
                f"{start.astimezone(tz):%H:%M} to {end.astimezone(tz):%H:%M}."
            )
    if violation.kind == "shift":
        return f"{ids}: the route {violation.message.replace('returns', 'would return')}."
    if violation.kind == "skill":
        return f"{ids}: the vehicle {violation.message.replace('lacks', 'lacks the skill')}."
    return f"{ids}: {violation.message}."


def stop_move_check(*, stop: Stop, route: Route, position: int) -> MoveCheck:
    """What moving `stop` to `position` (1-based) of `route` would give; writes nothing."""
    stop = Stop.objects.select_related("order", "ret", "route__vehicle", "plan").get(pk=stop.pk)
    route = Route.objects.select_related("vehicle").get(pk=route.pk)
    proposed = _proposed(stop, route, position)
    ctx = problem_build(plan=stop.plan)
    sequences = {r.vehicle.code: [s.ref for s in seq] for r, seq in proposed.items()}
    result = routes_evaluate(ctx, sequences)
    result.out_for_delivery = out_for_delivery_overtaken(
        before=_sequence(route), after=proposed[route], moved=stop
    )
    return result


def stop_move(
    *,
    stop: Stop,
    route: Route,
    position: int,
    user=None,
    override: bool = False,
    reason: str = "",
) -> Stop:
    """Move a planned stop to `position` of `route` (same or another route of the plan) when
    the result is feasible; both routes get their new times. Started stops never move and
    locked routes neither give nor take stops. Infeasible: 422 naming the reasons. Moving an
    order out for delivery, or putting the stop ahead of one, is refused (409) unless
    `override` with a `reason`, which goes on those orders' timelines. Publishes
    `plan.routes_changed` with the orders whose stops moved or were re-timed."""
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=stop.plan_id)
        if stop.plan.jobs.filter(status__in=["queued", "running"]).exists():
            raise Conflict("The plan is being optimised; wait for the job to finish.", field="plan")
        result = stop_move_check(stop=stop, route=route, position=position)
        if not result.feasible:
            raise ValidationFailed(
                "This move breaks the plan: " + " ".join(result.reasons),
                errors=[
                    {"field": "position", "code": "infeasible", "message": r}
                    for r in result.reasons
                ],
            )
        clean = override_require(
            overtaken=result.out_for_delivery,
            override=override,
            reason=reason,
            action=f"moving {stop.order.reference} to stop {position} of route {route.sequence}",
        )
        override_record(
            overtaken=result.out_for_delivery,
            reason=clean,
            user=user,
            what=f"{stop.order.reference} moved to stop {position} of route {route.sequence} "
            f"({route.vehicle.code})",
            data={"moved": stop.order.reference, "route": route.sequence, "position": position},
        )
        ctx = result.ctx
        changed: list[str] = []
        for r, seq in _proposed(
            Stop.objects.select_related("order", "ret", "route__vehicle").get(pk=stop.pk),
            Route.objects.select_related("vehicle").get(pk=route.pk),
            position,
        ).items():
            solver_route = result.routes.get(r.vehicle.code)
            if solver_route is None:  # the source route lost its last stop
                r.delete()
                continue
            visits = {v.stop_id: v for v in solver_route.visits}
            for k, s in enumerate(seq, start=1):
                v = visits[s.ref]
                s.route = r
                s.sequence = k
                if s.status == StopStatus.PLANNED:
                    s.planned_arrival = ctx.at(v.arrival_s)
                    s.planned_start = ctx.at(v.start_s)
                    s.planned_departure = ctx.at(v.departure_s)
                s.save()
                changed.append(s.order.reference)  # pickups: the customer's order page
            route_apply_times(ctx=ctx, route=r, solver_route=solver_route)
            r.save()
        events.publish("plan.routes_changed", {"plan": plan.reference, "orders": sorted(changed)})
    stop.refresh_from_db()
    return stop
