"""VROOM's input JSON (docs/API.md of VROOM-Project/vroom) as a solver `Problem`.

Mapping: each distinct vehicle start/end place is a depot, each job or shipment step a stop
(`job-<id>`, `pickup-<id>`, `delivery-<id>`), a shipment a PickupDelivery pair, amounts are
capacity dimensions "0", "1"..., skills their decimal strings, times VROOM's own seconds (no
day origin). A vehicle without `start` (or `end`) starts (ends) at a zero-distance "anywhere"
depot, which is how VROOM's open routes behave. Everything we cannot honour is refused with
its JSON path; see `docs/api.md` for the list.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..model import (
    Break,
    Depot,
    Matrices,
    Objective,
    PickupDelivery,
    Problem,
    Stop,
    TimeWindow,
    Vehicle,
)
from ..providers import HaversineProvider, TravelTimeProvider
from .costs import CostModel, cost_model
from .items import read_tasks, read_vehicle
from .reader import Reader, VroomInputError, join
from .spec import DEFAULT_PROFILE, Fleet, Place, Task, VroomProblem

TOP_KEYS = frozenset({"vehicles", "jobs", "shipments", "matrices", "matrix", "options"})
# `options` is vroom-express's per-request object; we read our time limit from it and its
# `g` (route geometry) only when false, since we draw no geometries.
OPTION_KEYS = frozenset({"time_limit", "g"})
MATRIX_KEYS = frozenset({"durations", "distances", "costs"})
# Internal capacity dimension counting tasks: every job delivers one unit loaded at the start,
# so the load leaving the depot is the route's task count (VROOM's max_tasks).
TASKS_DIMENSION = "tasks"


def parse_input(data, provider: TravelTimeProvider | None = None) -> VroomProblem:
    """Validate decoded VROOM input and build the Problem; raises VroomInputError listing
    every fault with its JSON path."""
    r = Reader()
    doc = r.obj(data, "", TOP_KEYS, required=("vehicles",))
    r.raise_if_any()
    vehicles = r.array(doc["vehicles"], "vehicles", non_empty=True)
    time_limit_s = _options(r, doc["options"]) if "options" in doc else None
    r.raise_if_any()
    first = vehicles[0]
    size = (
        len(first["capacity"]) if isinstance(first, dict) and _is_list(first.get("capacity")) else 0
    )
    matrices = _matrices(r, doc)
    use_index = "matrices" in doc or "matrix" in doc
    fleet = [
        read_vehicle(r, v, join("vehicles", i), size, use_index) for i, v in enumerate(vehicles)
    ]
    tasks = read_tasks(r, doc, size, use_index)
    r.raise_if_any()
    _unique(r, [(f.id, f.path) for f in fleet], "vehicle")
    for kind in ("job", "pickup", "delivery"):
        _unique(r, [(t.id, t.path) for t in tasks if t.kind == kind], kind)
    if not tasks:
        r.error("jobs", "at least one job or shipment is required")
    for f in fleet[1:]:
        if f.profile != fleet[0].profile:
            r.error(join(f.path, "profile"), "all vehicles must share one profile")
        if f.speed_factor != fleet[0].speed_factor:
            r.error(join(f.path, "speed_factor"), "all vehicles must share one speed_factor")
    if any(t.kind != "job" for t in tasks):
        for f in fleet:
            if f.max_tasks is not None:
                r.error(join(f.path, "max_tasks"), "cannot be combined with shipments")
    r.raise_if_any()
    durations, distances, custom = _location_matrices(r, matrices, fleet, tasks, provider)
    r.raise_if_any()
    model = cost_model(r, fleet, durations, distances, custom)
    r.raise_if_any()
    vp = _build(fleet, tasks, durations, distances, model, size)
    vp.time_limit_s = time_limit_s
    return vp


def _options(r: Reader, value) -> float | None:
    options = r.obj(value, "options", OPTION_KEYS)
    if options is None:
        return None
    if options.get("g", False) is not False:
        r.error("options.g", "route geometries are not available")
    if "time_limit" not in options:
        return None
    limit = r.number(options["time_limit"], "options.time_limit")
    if limit is not None and limit <= 0:
        r.error("options.time_limit", f"must be a positive number of seconds, got {limit}")
        return None
    return limit


def _is_list(value) -> bool:
    return isinstance(value, list)


def _matrices(r: Reader, doc: dict) -> dict[str, dict[str, np.ndarray]] | None:
    if "matrices" in doc and "matrix" in doc:
        r.error("matrix", "give either matrices or the deprecated matrix, not both")
        return None
    if "matrix" in doc:
        m = r.matrix(doc["matrix"], "matrix")
        return None if m is None else {DEFAULT_PROFILE: {"durations": m}}
    if "matrices" not in doc:
        return None
    value = doc["matrices"]
    profiles = r.obj(
        value, "matrices", frozenset(value) if isinstance(value, dict) else frozenset()
    )
    out: dict[str, dict[str, np.ndarray]] = {}
    for name, value in (profiles or {}).items():
        path = join("matrices", name)
        spec = r.obj(value, path, MATRIX_KEYS, required=("durations",))
        if spec is None:
            continue
        parsed = {k: r.matrix(spec[k], join(path, k)) for k in MATRIX_KEYS if k in spec}
        if any(m is None for m in parsed.values()):
            continue
        n = {len(m) for m in parsed.values()}
        if len(n) > 1:
            r.error(path, "durations, distances and costs must have the same size")
            continue
        out[name] = parsed
    return out


def _breaks(fleet: Fleet, shift: TimeWindow) -> list[Break]:
    """Breaks in VROOM's order (by window), which is also the order the checker pairs planned
    breaks with rules in; fleet.breaks is sorted the same way so ids line up."""
    fleet.breaks.sort(key=lambda b: b.window or (shift.start_s, shift.end_s))
    out = []
    for b in fleet.breaks:
        start, end = b.window or (shift.start_s, shift.end_s)
        out.append(Break(start, end, b.service))
    return out


def _unique(r: Reader, ids: list[tuple[int, str]], what: str) -> None:
    seen: set[int] = set()
    for value, path in ids:
        if value in seen:
            r.error(join(path, "id"), f"duplicate {what} id {value}")
        seen.add(value)


def _location_matrices(r: Reader, matrices, fleet: list[Fleet], tasks: list[Task], provider):
    """Location matrices (speed factor applied, an ANYWHERE row and column of zeros last) and
    each place's row; custom costs when given."""
    places = [t.place for t in tasks] + [
        p for f in fleet for p in (f.start, f.end) if p is not None
    ]
    paths = [join(t.path, "location_index") for t in tasks] + [
        join(f.path, key)
        for f in fleet
        for key, p in (("start_index", f.start), ("end_index", f.end))
        if p
    ]
    custom = None
    if matrices is not None:
        profile = fleet[0].profile
        if profile not in matrices:
            r.error("matrices", f"no durations for profile '{profile}' used by the vehicles")
            return None, None, None
        m = matrices[profile]
        durations, distances, custom = m["durations"], m.get("distances"), m.get("costs")
        n = len(durations)
        for place, path in zip(places, paths, strict=True):
            if place.location_index is not None and place.location_index >= n:
                r.error(path, f"must be below the matrices' size {n}, got {place.location_index}")
            place.loc = place.location_index
    else:
        keys: dict[tuple[float, float], int] = {}
        for place in places:
            place.loc = keys.setdefault(place.location, len(keys))
        depart = min((f.time_window[0] for f in fleet if f.time_window), default=0)
        latlon = [(lat, lon) for lon, lat in keys]
        m = (provider or HaversineProvider()).matrices(latlon, depart)
        durations, distances = m.duration_s, m.distance_m
    # VROOM scales by round(100 / speed_factor) hundredths and truncates each arrival; rounding
    # every leg up instead keeps our plans feasible for VROOM (at most a second late per leg).
    factor = round(100 / fleet[0].speed_factor)
    durations = -((np.asarray(durations, dtype=np.int64) * -factor) // 100)
    return (
        _pad(durations),
        None if distances is None else _pad(distances),
        (None if custom is None else _pad(custom)),
    )


def _pad(m: np.ndarray) -> np.ndarray:
    n = len(m)
    out = np.zeros((n + 1, n + 1), dtype=np.int64)
    out[:n, :n] = m
    return out


def _horizon(fleet: list[Fleet], tasks: list[Task], durations: np.ndarray) -> int:
    """A time by which any route can be over: VROOM's absent time windows mean "any time"."""
    times = [w[1] for t in tasks for w in t.windows]
    times += [f.time_window[1] for f in fleet if f.time_window]
    times += [b.window[1] for f in fleet for b in f.breaks if b.window]
    work = sum(t.setup + t.service for t in tasks) + sum(b.service for f in fleet for b in f.breaks)
    return max(times, default=0) + work + (len(tasks) + 2) * int(durations.max()) + 1


def _build(fleet, tasks, durations, distances, model: CostModel, size: int) -> VroomProblem:
    horizon = _horizon(fleet, tasks, durations)
    anywhere = len(durations) - 1
    depots: dict[int, Depot] = {}

    def depot(place: Place | None) -> str:
        loc = anywhere if place is None else place.loc
        if loc not in depots:
            latlon = None if place is None or place.location is None else place.location[::-1]
            name = "anywhere" if place is None else f"location-{loc}"
            depots[loc] = Depot(name, latlon, TimeWindow(0, horizon))
        return depots[loc].id

    dims = [str(k) for k in range(size)]
    count_tasks = any(f.max_tasks is not None for f in fleet)
    vehicles = []
    for f in fleet:
        shift = TimeWindow(*(f.time_window or (0, horizon)))
        capacity = dict(zip(dims, f.capacity, strict=True))
        if f.max_tasks is not None:
            capacity[TASKS_DIMENSION] = f.max_tasks
        vehicles.append(
            Vehicle(
                id=str(f.id),
                start_depot=depot(f.start),
                end_depot=depot(f.end),
                shift=shift,
                capacity=capacity,
                skills=f.skills,
                max_duration_s=f.max_travel_time,
                max_distance_m=f.max_distance,
                breaks=tuple(_breaks(f, shift)),
                **model.vehicle_rates(f),
            )
        )
    with_priorities = any(t.priority for t in tasks)
    stops = []
    for t in tasks:
        pickup = {d: q for d, q in zip(dims, t.pickup, strict=True) if q and t.kind == "job"}
        demand = t.pickup if t.kind == "pickup" else t.delivery if t.kind == "job" else []
        demand = {d: q for d, q in zip(dims, demand, strict=False) if q}
        if count_tasks:
            demand[TASKS_DIMENSION] = 1
        stops.append(
            Stop(
                id=t.stop_id,
                location=None if t.place.location is None else t.place.location[::-1],
                demand=demand,
                pickup=pickup,
                windows=tuple(TimeWindow(a, b) for a, b in t.windows),
                service_s=t.setup + t.service,
                skills=t.skills,
                priority=t.priority,
                # VROOM serves as many tasks as it can, higher priorities first: every task is
                # worth more than any route; priorities scale that worth.
                optional=with_priorities,
                drop_penalty=model.drop_penalty if with_priorities else None,
            )
        )
    # A shipment's steps are read one after the other, pickup first.
    pairs = []
    for p, d in itertools.pairwise(tasks):
        if p.kind == "pickup" and d.kind == "delivery":
            pairs.append(PickupDelivery(p.stop_id, d.stop_id))
            p.partner, d.partner = d.stop_id, p.stop_id
    node_locs = list(depots) + [t.place.loc for t in tasks]
    ix = np.ix_(node_locs, node_locs)
    problem = Problem(
        depots=list(depots.values()),
        vehicles=vehicles,
        stops=stops,
        pairs=pairs,
        matrices=Matrices(model.engine_distances[ix], durations[ix]),
        objective=Objective(),
        name="vroom",
    )
    return VroomProblem(
        problem=problem,
        tasks={t.stop_id: t for t in tasks},
        fleet={str(f.id): f for f in fleet},
        durations=durations,
        distances=distances,
        costs=model,
        amount_size=size,
    )


__all__ = ["Fleet", "Place", "Task", "VroomInputError", "VroomProblem", "parse_input"]
