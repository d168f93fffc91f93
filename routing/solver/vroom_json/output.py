"""A solver `Solution` as VROOM's output JSON.

The plan's decisions are kept (which vehicle, task order, where breaks fall between tasks) and
its clock times are rebuilt with VROOM's step semantics (see schedule.py): `arrival` = previous
departure + travel, `waiting_time` up to the service start, `duration`/`distance` cumulated
travel, a break taken on the road splits its leg (distance pro rata, as VROOM reports it).
Setup is applied on every task (VROOM skips it after a task at the same place), so plans are
valid for VROOM but never shorter because of it.
"""

from __future__ import annotations

from ..model import Route, Solution
from .schedule import Event, Leg, timeline
from .spec import Fleet, Place, Task, VroomProblem


def to_output(vp: VroomProblem, solution: Solution, *, loading_ms: int, solving_ms: int) -> dict:
    report_distance = vp.distances is not None
    order = {vid: k for k, vid in enumerate(vp.fleet)}
    routes = [
        _route(vp, r, report_distance)
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


def _legs(vp: VroomProblem, fleet: Fleet, route: Route) -> tuple[list[Leg], int]:
    """The route as legs (breaks on the road, then a task; the end last) and the earliest
    departure its vehicle allows. Breaks go on the leg during which the plan takes them."""
    vehicle = next(v for v in vp.problem.vehicles if v.id == route.vehicle_id)
    shift = (vehicle.shift.start_s, vehicle.shift.end_s)
    planned = sorted(route.breaks, key=lambda b: b.start_s)
    pending = [
        (b.start_s, Event(rule, [rule.window or shift], rule.service))
        for b, rule in zip(planned, fleet.breaks, strict=False)
    ]
    anywhere = len(vp.durations) - 1
    prev = fleet.start.loc if fleet.start else anywhere
    legs = []
    for visit in [*route.visits, None]:
        task = vp.tasks[visit.stop_id] if visit else None
        loc = task.place.loc if task else (fleet.end.loc if fleet.end else anywhere)
        breaks = []
        while pending and (visit is None or pending[0][0] < visit.start_s):
            breaks.append(pending.pop(0)[1])
        target = Event(
            task,
            task.windows if task else [],
            task.setup + task.service if task else 0,
            travel=int(vp.durations[prev, loc]),
            distance=int(vp.distances[prev, loc]) if vp.distances is not None else 0,
            loc=loc,
            prev=prev,
        )
        legs.append(Leg(breaks, target))
        prev = loc
    return legs, shift[0]


def _route(vp: VroomProblem, route: Route, report_distance: bool) -> dict:
    fleet = vp.fleet[route.vehicle_id]
    tasks = [vp.tasks[v.stop_id] for v in route.visits]
    size = vp.amount_size
    legs, earliest = _legs(vp, fleet, route)
    depart = timeline(legs, earliest)
    load = _sum([t.delivery for t in tasks if t.kind == "job"], size)
    start_place = fleet.start or tasks[0].place
    steps = [_step("start", start_place, None, depart, 0, 0, load, report_distance)]
    totals = {"setup": 0, "service": 0, "waiting_time": 0, "priority": 0}
    travel_total = distance_total = legs_cost = 0
    for leg in legs:
        target = leg.target
        for b in leg.breaks:
            part = _pro_rata(b.travelled, target.distance, target.travel)
            step = _step(
                "break",
                None,
                b.item,
                b.arrival,
                travel_total + b.travelled,
                distance_total + part,
                load,
                report_distance,
            )
            step |= {"service": b.duration, "waiting_time": b.start - b.arrival}
            steps.append(step)
            totals["service"] += b.duration
            totals["waiting_time"] += b.start - b.arrival
        travel_total += target.travel
        distance_total += target.distance
        if vp.costs.custom is not None:
            legs_cost += int(vp.costs.custom[target.prev, target.loc])
        task = target.item
        if task is None:
            end_place = fleet.end or tasks[-1].place
            steps.append(
                _step(
                    "end",
                    end_place,
                    None,
                    target.arrival,
                    travel_total,
                    distance_total,
                    load,
                    report_distance,
                )
            )
            continue
        waiting = target.start - target.arrival
        load = [q + p - d for q, p, d in zip(load, task.pickup, task.delivery, strict=True)]
        step = _step(
            task.kind,
            task.place,
            task,
            target.arrival,
            travel_total,
            distance_total,
            load,
            report_distance,
        )
        step |= {"setup": task.setup, "service": task.service, "waiting_time": waiting}
        steps.append(step)
        totals["setup"] += task.setup
        totals["service"] += task.service
        totals["waiting_time"] += waiting
        totals["priority"] += task.priority
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


def _pro_rata(done: int, distance: int, travel: int) -> int:
    """Distance covered after `done` of `travel` seconds of a leg, rounded half up."""
    return (2 * done * distance + travel) // (2 * travel) if travel else 0


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
