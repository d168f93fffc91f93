"""A solver `Solution` as VROOM's output JSON.

Each route's timeline is rebuilt from the plan's decisions (task order, service starts, break
starts) with VROOM's step semantics: `arrival` = previous departure + travel, `waiting_time`
up to the service start, `duration`/`distance` cumulated travel, a break taken on the road
splits its leg (distance pro rata, like VROOM). Setup is applied on every task (VROOM skips it
after a task at the same place), so plans are valid for VROOM but never shorter because of it.
"""

from __future__ import annotations

import dataclasses

from ..model import Route, Solution, Visit
from .spec import BreakSpec, Fleet, Place, Task, VroomProblem


def to_output(vp: VroomProblem, solution: Solution, *, loading_ms: int, solving_ms: int) -> dict:
    report_distance = vp.distances is not None
    order = {vid: k for k, vid in enumerate(vp.fleet)}
    routes = [
        _route(vp, _shift_left(vp, r), report_distance)
        for r in sorted(solution.routes, key=lambda r: order[r.vehicle_id])
        if r.visits
    ]
    task_order = {sid: k for k, sid in enumerate(vp.tasks)}
    unassigned = [
        _unassigned(vp.tasks[u.stop_id], u.reason)
        for u in sorted(solution.unassigned, key=lambda u: task_order[u.stop_id])
    ]
    summary: dict = {
        "cost": sum(r["cost"] for r in routes),
        "routes": len(routes),
        "unassigned": len(unassigned),
    }
    if vp.amount_size:
        delivery = _sum([r["delivery"] for r in routes], vp.amount_size)
        summary |= {"delivery": delivery, "amount": list(delivery)}
        summary["pickup"] = _sum([r["pickup"] for r in routes], vp.amount_size)
    for key in ("setup", "service", "duration", "waiting_time", "priority"):
        summary[key] = sum(r[key] for r in routes)
    if report_distance:
        summary["distance"] = sum(r["distance"] for r in routes)
    summary["violations"] = []
    summary["computing_times"] = {"loading": loading_ms, "solving": solving_ms, "routing": 0}
    return {"code": 0, "summary": summary, "unassigned": unassigned, "routes": routes}


def _sum(amounts: list[list[int]], size: int) -> list[int]:
    return [sum(a[k] for a in amounts) for k in range(size)]


def _place_keys(place: Place | None) -> dict:
    out: dict = {}
    if place is not None and place.location is not None:
        out["location"] = list(place.location)
    if place is not None and place.location_index is not None:
        out["location_index"] = place.location_index
    return out


def _unassigned(task: Task, reason: str) -> dict:
    out = {"id": task.id, **_place_keys(task.place), "type": task.kind}
    if task.description is not None:
        out["description"] = task.description
    out["reason"] = reason  # not in VROOM's output; says why the solver left the task out
    return out


def _shift_left(vp: VroomProblem, route: Route) -> Route:
    """Move the whole timeline as early as every window allows. Engines may start a route as
    late as its windows permit (same duration, same waiting), which with VROOM's open-ended
    vehicle windows would put it at the far end of the horizon."""
    vehicle = next(v for v in vp.problem.vehicles if v.id == route.vehicle_id)
    slack = [route.start_s - vehicle.shift.start_s]
    for visit in route.visits:
        windows = vp.tasks[visit.stop_id].windows
        inside = [visit.start_s - a for a, b in windows if a <= visit.start_s <= b]
        if windows:
            slack.append(max(inside, default=0))
    rules = sorted(vehicle.breaks, key=lambda b: b.earliest_s)
    planned = sorted(route.breaks, key=lambda b: b.start_s)
    slack += [b.start_s - rule.earliest_s for rule, b in zip(rules, planned, strict=False)]
    delta = max(min(slack), 0)
    if not delta:
        return route
    return dataclasses.replace(
        route,
        start_s=route.start_s - delta,
        end_s=route.end_s - delta,
        visits=[
            Visit(v.stop_id, v.arrival_s - delta, v.start_s - delta, v.departure_s - delta)
            for v in route.visits
        ],
        breaks=[dataclasses.replace(b, start_s=b.start_s - delta) for b in route.breaks],
    )


def _breaks(fleet: Fleet, route: Route) -> list[tuple[int, BreakSpec]]:
    """(planned start, rule) pairs: rules in window order, planned breaks in time order (the
    pairing the solver's checker validates)."""
    planned = sorted(route.breaks, key=lambda b: b.start_s)
    return [(b.start_s, rule) for b, rule in zip(planned, fleet.breaks, strict=False)]


def _route(vp: VroomProblem, route: Route, report_distance: bool) -> dict:
    fleet = vp.fleet[route.vehicle_id]
    tasks = [vp.tasks[v.stop_id] for v in route.visits]
    durations, distances = vp.durations, vp.distances
    anywhere = len(durations) - 1
    size = vp.amount_size
    load = _sum([t.delivery for t in tasks if t.kind == "job"], size)
    breaks = _breaks(fleet, route)
    t = min([route.start_s] + [start for start, _ in breaks])
    start_place = fleet.start or tasks[0].place
    steps = [_step("start", start_place, None, t, 0, 0, load, report_distance)]
    totals = {"setup": 0, "service": 0, "waiting_time": 0, "priority": 0}
    travel_total = distance_total = legs_cost = 0
    prev = fleet.start.loc if fleet.start else anywhere
    pending = list(breaks)
    targets: list[tuple[Task | None, Visit | None]] = list(zip(tasks, route.visits, strict=True))
    for task, visit in [*targets, (None, None)]:
        loc = task.place.loc if task else (fleet.end.loc if fleet.end else anywhere)
        travel = int(durations[prev, loc])
        dist = int(distances[prev, loc]) if distances is not None else 0
        if vp.costs.custom is not None:
            legs_cost += int(vp.costs.custom[prev, loc])
        left = travel
        while pending and (visit is None or pending[0][0] < visit.start_s):
            b_start, rule = pending.pop(0)
            moved = min(left, max(b_start - t, 0))
            left -= moved
            done = travel - left
            part = (2 * done * dist + travel) // (2 * travel) if travel else 0
            waiting = max(b_start - (t + moved), 0)
            step = _step("break", None, rule, t + moved, travel_total + done, 0, load, False)
            step |= {"service": rule.service, "waiting_time": waiting}
            if report_distance:
                step["distance"] = distance_total + part
            steps.append(step)
            totals["service"] += rule.service
            totals["waiting_time"] += waiting
            t += moved + waiting + rule.service
        arrival = t + left
        travel_total += travel
        distance_total += dist
        prev = loc
        if task is None:
            end_place = fleet.end or tasks[-1].place
            steps.append(
                _step(
                    "end",
                    end_place,
                    None,
                    arrival,
                    travel_total,
                    distance_total,
                    load,
                    report_distance,
                )
            )
            continue
        start = max(visit.start_s, arrival)
        load = [q + p - d for q, p, d in zip(load, task.pickup, task.delivery, strict=True)]
        step = _step(
            task.kind,
            task.place,
            task,
            arrival,
            travel_total,
            distance_total,
            load,
            report_distance,
        )
        step |= {"setup": task.setup, "service": task.service, "waiting_time": start - arrival}
        steps.append(step)
        for key, value in (
            ("setup", task.setup),
            ("service", task.service),
            ("waiting_time", start - arrival),
            ("priority", task.priority),
        ):
            totals[key] += value
        t = start + task.setup + task.service
    cost = vp.costs.route_cost(
        fleet,
        travel_s=travel_total,
        distance_m=distance_total,
        legs_cost=legs_cost,
        task_s=totals["setup"] + totals["service"],
    )
    out: dict = {"vehicle": fleet.id, "cost": cost}
    if fleet.description is not None:
        out["description"] = fleet.description
    if size:
        delivery = _sum([t.delivery for t in tasks], size)
        out |= {
            "delivery": delivery,
            "amount": list(delivery),
            "pickup": _sum([t.pickup for t in tasks], size),
        }
    out |= {
        "setup": totals["setup"],
        "service": totals["service"],
        "duration": travel_total,
        "waiting_time": totals["waiting_time"],
        "priority": totals["priority"],
    }
    if report_distance:
        out["distance"] = distance_total
    out["steps"] = steps
    out["violations"] = []
    return out


def _step(kind, place, item, arrival, duration, distance, load, report_distance) -> dict:
    """A step with VROOM's keys in VROOM's order (setup/service/waiting filled by callers)."""
    step: dict = {"type": kind}
    if item is not None and item.description is not None:
        step["description"] = item.description
    step |= _place_keys(place)
    if item is not None:
        step["id"] = item.id
    step |= {"setup": 0, "service": 0, "waiting_time": 0}
    if kind in ("job", "pickup", "delivery"):
        step["job"] = item.id  # VROOM still writes this deprecated key
    if load:
        step["load"] = list(load)
    step |= {"arrival": arrival, "duration": duration, "violations": []}
    if report_distance:
        step["distance"] = distance
    return step
