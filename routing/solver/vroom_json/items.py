"""Reading VROOM's vehicles (with breaks and costs), jobs and shipments, path by path."""

from __future__ import annotations

from .reader import UINT64_MAX, Reader, join
from .spec import BreakSpec, Fleet, Place, Task

TASK_KEYS = frozenset(
    {"id", "description", "location", "location_index", "setup", "service"}
    | {"setup_per_type", "service_per_type", "time_windows"}
)
JOB_KEYS = TASK_KEYS | {"amount", "delivery", "pickup", "skills", "priority"}
SHIPMENT_KEYS = frozenset({"pickup", "delivery", "amount", "skills", "priority"})
VEHICLE_KEYS = frozenset(
    {"id", "profile", "description", "start", "start_index", "end", "end_index", "capacity"}
    | {"costs", "skills", "type", "time_window", "breaks", "speed_factor", "max_tasks"}
    | {"max_travel_time", "max_distance", "steps"}
)
BREAK_KEYS = frozenset({"id", "time_windows", "service", "description", "max_load"})
MATRIX_KEYS = frozenset({"durations", "distances", "costs"})


def _place(r: Reader, obj: dict, path: str, key: str, index_key: str, use_index: bool):
    """(location_index, coordinates) of a task or vehicle end; None if neither is given."""
    has_index, has_coords = index_key in obj, key in obj
    if not has_index and not has_coords:
        return None
    coords = r.coordinates(obj[key], join(path, key)) if has_coords else None
    if use_index:
        if not has_index:
            r.error(join(path, index_key), "is required when matrices are given")
            return None
        return r.uint(obj[index_key], join(path, index_key)), coords
    if has_index:
        r.error(join(path, index_key), "needs matrices; without them give coordinates")
    return None, coords


def read_vehicle(r: Reader, v, path: str, size: int, use_index: bool) -> Fleet:
    fleet = Fleet(id=0, path=path, start=None, end=None, capacity=[0] * size)
    obj = r.obj(v, path, VEHICLE_KEYS, required=("id",))
    if obj is None or "id" not in obj:
        return fleet
    fleet.id = r.uint(obj["id"], join(path, "id"), UINT64_MAX)
    start = _place(r, obj, path, "start", "start_index", use_index)
    end = _place(r, obj, path, "end", "end_index", use_index)
    if not {"start", "start_index", "end", "end_index"} & obj.keys():
        r.error(path, "needs a start or an end (start/end or start_index/end_index)")
    fleet.start = Place(-2, start[1], start[0]) if start else None
    fleet.end = Place(-2, end[1], end[0]) if end else None
    fleet.capacity = r.amount(obj.get("capacity", []), join(path, "capacity"), size) or []
    if "skills" in obj:
        fleet.skills = r.skills(obj["skills"], join(path, "skills")) or frozenset()
    if "time_window" in obj:
        fleet.time_window = r.time_window(obj["time_window"], join(path, "time_window"))
    for key in ("max_tasks", "max_travel_time", "max_distance"):
        if key in obj:
            setattr(fleet, key, r.uint(obj[key], join(path, key)))
    if "costs" in obj:
        cpath = join(path, "costs")
        costs = r.obj(
            obj["costs"], cpath, frozenset({"fixed", "per_hour", "per_km", "per_task_hour"})
        )
        for key, value in (costs or {}).items():
            setattr(fleet, key, r.uint(value, join(cpath, key)) or 0)
    for key in ("description", "profile", "type"):
        if key in obj:
            value = r.string(obj[key], join(path, key))
            if key == "description":
                fleet.description = value
            elif key == "profile" and value:
                fleet.profile = value
    if "speed_factor" in obj:
        sf = r.number(obj["speed_factor"], join(path, "speed_factor"))
        if sf is not None and not 0 < sf <= 5:
            r.error(join(path, "speed_factor"), f"must be within (0, 5], got {sf}")
        elif sf is not None:
            fleet.speed_factor = sf
    if "steps" in obj:
        r.error(join(path, "steps"), "custom routes (plan mode, warm starts) are not supported")
    breaks = r.array(obj.get("breaks", []), join(path, "breaks"))
    for k, b in enumerate(breaks or []):
        fleet.breaks.append(_break(r, b, join(join(path, "breaks"), k)))
    return fleet


def _break(r: Reader, b, path: str) -> BreakSpec:
    out = BreakSpec(id=0, path=path)
    obj = r.obj(b, path, BREAK_KEYS, required=("id",))
    if obj is None or "id" not in obj:
        return out
    out.id = r.uint(obj["id"], join(path, "id"), UINT64_MAX)
    out.service = r.uint(obj.get("service", 0), join(path, "service")) or 0
    if "description" in obj:
        out.description = r.string(obj["description"], join(path, "description"))
    if "max_load" in obj:
        r.error(join(path, "max_load"), "breaks limited by the vehicle's load are not supported")
    if "time_windows" in obj:
        windows = r.time_windows(obj["time_windows"], join(path, "time_windows"))
        if windows is not None and len(windows) > 1:
            r.error(join(path, "time_windows"), "a break may have only one time window")
        elif windows:
            out.window = windows[0]
    return out


def read_tasks(r: Reader, doc: dict, size: int, use_index: bool) -> list[Task]:
    tasks: list[Task] = []
    jobs = r.array(doc.get("jobs", []), "jobs") or []
    for i, job in enumerate(jobs):
        path = join("jobs", i)
        obj = r.obj(job, path, JOB_KEYS, required=("id",))
        if obj is None or "id" not in obj:
            continue
        # VROOM reads the deprecated `amount` as a delivery when neither key is given.
        compat = "amount" in obj and "delivery" not in obj and "pickup" not in obj
        if "amount" in obj and not compat:
            r.error(join(path, "amount"), "deprecated: give delivery and pickup instead")
        delivery_key = "amount" if compat else "delivery"
        shared = {
            "delivery": _amount(r, obj, path, delivery_key, size),
            "pickup": _amount(r, obj, path, "pickup", size),
            **_shared(r, obj, path),
        }
        tasks.append(_task(r, obj, path, "job", shared, use_index))
    shipments = r.array(doc.get("shipments", []), "shipments") or []
    for i, shipment in enumerate(shipments):
        path = join("shipments", i)
        obj = r.obj(shipment, path, SHIPMENT_KEYS, required=("pickup", "delivery"))
        if obj is None or "pickup" not in obj or "delivery" not in obj:
            continue
        amount = _amount(r, obj, path, "amount", size)
        common = _shared(r, obj, path)
        for kind in ("pickup", "delivery"):
            step_path = join(path, kind)
            step = r.obj(obj[kind], step_path, TASK_KEYS, required=("id",))
            if step is None or "id" not in step:
                continue
            shared = {
                "delivery": amount if kind == "delivery" else [0] * size,
                "pickup": amount if kind == "pickup" else [0] * size,
                **common,
            }
            tasks.append(_task(r, step, step_path, kind, shared, use_index))
    return tasks


def _amount(r: Reader, obj: dict, path: str, key: str, size: int) -> list[int]:
    if key not in obj:
        return [0] * size
    return r.amount(obj[key], join(path, key), size) or [0] * size


def _shared(r: Reader, obj: dict, path: str) -> dict:
    """Skills and priority: on a job, or on a shipment for both its steps."""
    out = {"skills": frozenset(), "priority": 0}
    if "skills" in obj:
        out["skills"] = r.skills(obj["skills"], join(path, "skills")) or frozenset()
    if "priority" in obj:
        out["priority"] = r.uint(obj["priority"], join(path, "priority"), 100) or 0
    return out


def _task(r: Reader, obj: dict, path: str, kind: str, shared: dict, use_index: bool) -> Task:
    task_id = r.uint(obj["id"], join(path, "id"), UINT64_MAX)
    place = _place(r, obj, path, "location", "location_index", use_index)
    if place is None:
        key = "location_index" if use_index else "location"
        if key not in obj:
            r.error(join(path, key), "is required")
        place = (None, None)
    for key in ("setup_per_type", "service_per_type"):
        if key in obj and obj[key] != {}:
            r.error(join(path, key), "durations per vehicle type are not supported")
    windows = []
    if "time_windows" in obj:
        windows = r.time_windows(obj["time_windows"], join(path, "time_windows")) or []
    description = None
    if "description" in obj:
        description = r.string(obj["description"], join(path, "description"))
    return Task(
        stop_id=f"{kind}-{task_id}",
        kind=kind,
        id=task_id if task_id is not None else -1,
        path=path,
        place=Place(-2, place[1], place[0]),
        setup=r.uint(obj.get("setup", 0), join(path, "setup")) or 0,
        service=r.uint(obj.get("service", 0), join(path, "service")) or 0,
        windows=windows,
        description=description,
        **shared,
    )
