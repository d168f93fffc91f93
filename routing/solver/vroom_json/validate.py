"""Check a plan in VROOM's output shape against its input with VROOM's rules.

Independent of how the plan was made: it re-derives travel, loads, windows, breaks, limits and
costs from the input's matrices and the steps alone, so it judges VROOM's own plans (pyvroom)
and ours alike. An empty list means valid.
"""

from __future__ import annotations

from collections import Counter

from .spec import Fleet, VroomProblem

TASK_TYPES = ("job", "pickup", "delivery")


def plan_violations(vp: VroomProblem, output: dict) -> list[str]:
    out: list[str] = []
    if output.get("code") != 0:
        return [f"code is {output.get('code')}, not 0"]
    tasks = {(t.kind, t.id): t for t in vp.tasks.values()}
    fleet = {f.id: f for f in vp.fleet.values()}
    seen = Counter((u["type"], u["id"]) for u in output["unassigned"])
    where: dict[tuple[str, int], tuple[int, int]] = {}
    vehicles = Counter(r["vehicle"] for r in output["routes"])
    for vid, n in vehicles.items():
        if vid not in fleet or n > 1:
            out.append(f"vehicle {vid}: unknown or used by {n} routes")
    totals = Counter()
    for k, route in enumerate(output["routes"]):
        for s, step in enumerate(route["steps"]):
            if step["type"] in TASK_TYPES:
                seen[(step["type"], step["id"])] += 1
                where[(step["type"], step["id"])] = (k, s)
        if route["vehicle"] in fleet:
            out += _route(vp, fleet[route["vehicle"]], tasks, route, f"routes[{k}]")
        for key in ("cost", "setup", "service", "duration", "waiting_time", "priority"):
            totals[key] += route[key]
    for key, n in seen.items():
        if key not in tasks or n != 1:
            out.append(f"{key[0]} {key[1]}: unknown or planned {n} times")
    out += [
        f"{t.kind} {t.id}: neither planned nor unassigned"
        for k, t in tasks.items()
        if k not in seen
    ]
    for t in vp.tasks.values():
        if t.kind == "pickup":
            delivery = vp.tasks[t.partner]
            a, b = where.get(("pickup", t.id)), where.get(("delivery", delivery.id))
            if (a is None) != (b is None) or (a and b and (a[0] != b[0] or a[1] > b[1])):
                out.append(f"shipment with pickup {t.id}: not both on one route, pickup first")
    summary = output["summary"]
    for key, value in totals.items():
        if summary[key] != value:
            out.append(f"summary.{key} is {summary[key]}, routes add up to {value}")
    if summary["routes"] != len(output["routes"]):
        out.append("summary.routes differs from the number of routes")
    if summary["unassigned"] != len(output["unassigned"]):
        out.append("summary.unassigned differs from the number of unassigned tasks")
    return out


def _in(windows, t: int) -> bool:
    return not windows or any(a <= t <= b for a, b in windows)


def _route(vp: VroomProblem, fleet: Fleet, tasks: dict, route: dict, path: str) -> list[str]:
    out: list[str] = []
    steps = route["steps"]
    if not steps or steps[0]["type"] != "start" or steps[-1]["type"] != "end":
        return [f"{path}: steps must run from start to end"]
    anywhere = len(vp.durations) - 1
    prev = fleet.start.loc if fleet.start else anywhere
    prev_task_loc = None
    size = vp.amount_size
    planned = [tasks.get((s["type"], s["id"])) for s in steps if s["type"] in TASK_TYPES]
    if None in planned:
        return [f"{path}: unknown task"]
    load = [sum(t.delivery[k] for t in planned if t.kind == "job") for k in range(size)]
    breaks = Counter(s["id"] for s in steps if s["type"] == "break")
    if breaks != Counter(b.id for b in fleet.breaks):
        out.append(
            f"{path}: breaks taken {dict(breaks)}, vehicle has {[b.id for b in fleet.breaks]}"
        )
    rules = {b.id: b for b in fleet.breaks}
    free = departed = steps[0]["arrival"]  # next free to move; left the last place
    if fleet.time_window and free < fleet.time_window[0]:
        out.append(f"{path}: starts before the vehicle's time window")
    travel_total = distance_total = legs_cost = 0
    on_road = 0  # breaks and their waiting since the last place
    sums = Counter()
    for s, step in enumerate(steps):
        where = f"{path}.steps[{s}]"
        if size and step.get("load") != load and step["type"] in ("start", "end"):
            out.append(f"{where}: load {step.get('load')}, expected {load}")
        if step["type"] == "start":
            continue
        if step["type"] == "break":
            rule = rules.get(step["id"])
            begin = step["arrival"] + step["waiting_time"]
            if rule is None or step["service"] != rule.service:
                out.append(f"{where}: unknown break or wrong service")
            elif rule.window and not rule.window[0] <= begin <= rule.window[1]:
                out.append(f"{where}: break starts at {begin}, outside its window")
            if step["arrival"] < free:
                out.append(f"{where}: break before the vehicle is free")
            on_road += step["waiting_time"] + step["service"]
            free = max(free, begin + step["service"])
            sums["service"] += step["service"]
            sums["waiting_time"] += step["waiting_time"]
            continue
        task = tasks.get((step["type"], step.get("id"))) if step["type"] != "end" else None
        loc = task.place.loc if task else (fleet.end.loc if fleet.end else anywhere)
        travel = int(vp.durations[prev, loc])
        travel_total += travel
        if vp.distances is not None:
            distance_total += int(vp.distances[prev, loc])
        if vp.costs.custom is not None:
            legs_cost += int(vp.costs.custom[prev, loc])
        if step["arrival"] < max(free, departed + travel + on_road):
            out.append(f"{where}: arrives faster than the travel time")
        if step["duration"] != travel_total:
            out.append(f"{where}: duration {step['duration']}, travel adds up to {travel_total}")
        if "distance" in step and step["distance"] != distance_total:
            out.append(f"{where}: distance {step['distance']}, legs add up to {distance_total}")
        prev, on_road = loc, 0
        if task is None:
            if fleet.time_window and step["arrival"] > fleet.time_window[1]:
                out.append(f"{where}: ends after the vehicle's time window")
            continue
        begin = step["arrival"] + step["waiting_time"]
        if step["waiting_time"] < 0 or not _in(task.windows, begin):
            out.append(f"{where}: service starts at {begin}, outside the task's windows")
        if not task.skills <= fleet.skills:
            out.append(f"{where}: vehicle lacks skills {sorted(task.skills - fleet.skills)}")
        allowed_setup = {task.setup, 0} if loc == prev_task_loc else {task.setup}
        if step["service"] != task.service or step["setup"] not in allowed_setup:
            out.append(f"{where}: service or setup differ from the task's")
        load = [q + p - d for q, p, d in zip(load, task.pickup, task.delivery, strict=True)]
        if size and step.get("load") != load:
            out.append(f"{where}: load {step.get('load')}, expected {load}")
        free = departed = begin + step["setup"] + step["service"]
        prev_task_loc = loc
        for key in ("setup", "service", "waiting_time"):
            sums[key] += step[key]
        sums["priority"] += task.priority
    for s, step in enumerate(steps):
        if "load" in step and any(q > c for q, c in zip(step["load"], fleet.capacity, strict=True)):
            out.append(f"{path}.steps[{s}]: load {step['load']} exceeds {fleet.capacity}")
    if fleet.max_tasks is not None and len(planned) > fleet.max_tasks:
        out.append(f"{path}: {len(planned)} tasks > max_tasks {fleet.max_tasks}")
    if fleet.max_travel_time is not None and travel_total > fleet.max_travel_time:
        out.append(f"{path}: travel {travel_total} > max_travel_time {fleet.max_travel_time}")
    if fleet.max_distance is not None and distance_total > fleet.max_distance:
        out.append(f"{path}: distance {distance_total} > max_distance {fleet.max_distance}")
    if route["duration"] != travel_total:
        out.append(f"{path}.duration is {route['duration']}, travel adds up to {travel_total}")
    if "distance" in route and route["distance"] != distance_total:
        out.append(f"{path}.distance is {route['distance']}, legs add up to {distance_total}")
    for key, value in sums.items():
        if route[key] != value:
            out.append(f"{path}.{key} is {route[key]}, steps add up to {value}")
    cost = vp.costs.route_cost(
        fleet,
        travel_s=travel_total,
        distance_m=distance_total,
        legs_cost=legs_cost,
        task_s=sums["setup"] + sums["service"],
    )
    if route["cost"] != cost:
        out.append(f"{path}.cost is {route['cost']}, VROOM's rule gives {cost}")
    return out
