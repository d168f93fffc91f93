"""Problem and Solution dataclasses: the whole contract between the solver and its callers.

Units everywhere: distances in metres, durations in seconds, times as integer seconds from a
day origin chosen by the caller (the Django side converts datetimes). Money is a float in the
caller's currency; engines work in integer `COST_UNITS` per currency unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Integer cost units per currency unit used by both engines. 36,000 makes a cost of 1 per km
# exactly 36 units per metre and 1 per hour exactly 10 units per second, so the common
# cases are exact integers.
COST_UNITS = 36_000
DAY_S = 24 * 3600
# A point is (lat, lon) in degrees for real problems, or planar (x, y) for benchmark
# instances whose travel times come from an explicit matrix.
Point = tuple[float, float]


class ProblemError(ValueError):
    """The problem as a whole cannot be solved (no vehicles, bad time limit, bad reference).

    `field` names the offending field and `ids` the stops/vehicles concerned, so the API can
    turn it into an RFC 9457 error entry.
    """

    def __init__(self, field: str, message: str, ids: tuple[str, ...] = ()) -> None:
        self.field = field
        self.ids = ids
        suffix = f" ({', '.join(ids)})" if ids else ""
        super().__init__(f"{field}: {message}{suffix}")


@dataclass(frozen=True)
class TimeWindow:
    """Service must START in [start_s, end_s] (waiting before start_s is allowed)."""

    start_s: int
    end_s: int


@dataclass(frozen=True)
class Break:
    """A driver break of `duration_s` that must start in [earliest_s, latest_s].

    It may be taken while travelling or waiting, or before departure/after return, but never
    during a service.
    """

    earliest_s: int
    latest_s: int
    duration_s: int


@dataclass(frozen=True)
class Depot:
    id: str
    location: Point | None
    window: TimeWindow = TimeWindow(0, DAY_S)


@dataclass(frozen=True)
class Vehicle:
    """A vehicle and its shift. `capacity` maps a dimension name ("weight", "volume",
    "units"...) to an integer limit; a dimension the vehicle does not list is unlimited."""

    id: str
    start_depot: str
    end_depot: str | None = None  # None: back to start_depot
    shift: TimeWindow = TimeWindow(0, DAY_S)
    capacity: dict[str, int] = field(default_factory=dict)
    cost_per_km: float = 1.0
    cost_per_hour: float = 0.0
    fixed_cost: float = 0.0
    skills: frozenset[str] = frozenset()
    max_duration_s: int | None = None
    max_distance_m: int | None = None
    breaks: tuple[Break, ...] = ()

    @property
    def end_depot_id(self) -> str:
        return self.end_depot or self.start_depot


@dataclass(frozen=True)
class Stop:
    """A place to visit. `demand` is delivered from the depot, except for the pickup of a
    pickup-delivery pair, where it is loaded at the pickup and unloaded at the delivery (the
    delivery stop's own demand must then be empty). `pickup` is loaded at the stop and carried
    to the vehicle's end depot (a customer return); a stop may both deliver and pick up, and
    the load must fit the vehicle at every point of the route. No windows means "any time"."""

    id: str
    location: Point | None
    demand: dict[str, int] = field(default_factory=dict)
    pickup: dict[str, int] = field(default_factory=dict)
    windows: tuple[TimeWindow, ...] = ()
    service_s: int = 0
    skills: frozenset[str] = frozenset()
    priority: int = 0
    optional: bool = False
    drop_penalty: float | None = None  # None: Objective.default_drop_penalty (optional stops)
    locked_vehicle: str | None = None  # the stop must stay on this vehicle (order is free)


@dataclass(frozen=True)
class PickupDelivery:
    pickup: str
    delivery: str


@dataclass(frozen=True)
class Objective:
    """Weights applied to each vehicle's cost rates. `minimise_vehicles` adds
    `vehicle_penalty` to every used vehicle's fixed cost, so fewer vehicles win first."""

    distance_weight: float = 1.0
    duration_weight: float = 1.0
    fixed_cost_weight: float = 1.0
    minimise_vehicles: bool = False
    vehicle_penalty: float = 10_000.0
    default_drop_penalty: float = 1_000.0


@dataclass
class Matrices:
    """Integer travel matrices over the problem's nodes: depots first, then stops, in order."""

    distance_m: np.ndarray
    duration_s: np.ndarray

    def __post_init__(self) -> None:
        self.distance_m = np.asarray(self.distance_m, dtype=np.int64)
        self.duration_s = np.asarray(self.duration_s, dtype=np.int64)
        if self.distance_m.shape != self.duration_s.shape or self.distance_m.ndim != 2:
            raise ProblemError("matrices", "distance and duration must be equal square arrays")


@dataclass
class Problem:
    """A routing problem. Re-optimisation: `initial_routes` (vehicle id -> stop ids) is a warm
    start; `completed` stops are a fixed prefix of their vehicle's route (never moved, their
    windows no longer checked); vehicles in `locked_routes` keep their initial route exactly."""

    depots: list[Depot]
    vehicles: list[Vehicle]
    stops: list[Stop]
    pairs: list[PickupDelivery] = field(default_factory=list)
    matrices: Matrices | None = None
    objective: Objective = field(default_factory=Objective)
    initial_routes: dict[str, list[str]] = field(default_factory=dict)
    completed: dict[str, list[str]] = field(default_factory=dict)
    locked_routes: frozenset[str] = frozenset()
    name: str = ""

    @property
    def points(self) -> list[Point | None]:
        """Node coordinates in matrix order (depots, then stops)."""
        return [d.location for d in self.depots] + [s.location for s in self.stops]

    def node_of_depot(self) -> dict[str, int]:
        return {d.id: i for i, d in enumerate(self.depots)}

    def node_of_stop(self) -> dict[str, int]:
        offset = len(self.depots)
        return {s.id: offset + i for i, s in enumerate(self.stops)}

    def dimensions(self) -> list[str]:
        """Every capacity dimension named by a vehicle, sorted for a stable model."""
        return sorted({k for v in self.vehicles for k in v.capacity})


@dataclass
class Visit:
    stop_id: str
    arrival_s: int
    start_s: int  # service start (arrival + waiting)
    departure_s: int


@dataclass
class PlannedBreak:
    start_s: int
    duration_s: int


@dataclass
class Route:
    vehicle_id: str
    visits: list[Visit]
    start_s: int  # departure from the start depot
    end_s: int  # arrival at the end depot
    distance_m: int = 0
    breaks: list[PlannedBreak] = field(default_factory=list)

    @property
    def stop_ids(self) -> list[str]:
        return [v.stop_id for v in self.visits]

    @property
    def duration_s(self) -> int:
        return self.end_s - self.start_s


@dataclass
class Unassigned:
    stop_id: str
    reason: str


@dataclass
class Solution:
    """Routes (only vehicles that are used), unassigned stops with a reason, total cost in
    currency, which engine produced it and solver statistics for the job record."""

    routes: list[Route]
    unassigned: list[Unassigned]
    cost: float = 0.0
    engine: str = ""
    elapsed_s: float = 0.0
    stats: dict = field(default_factory=dict)

    @property
    def distance_m(self) -> int:
        return sum(r.distance_m for r in self.routes)

    @property
    def duration_s(self) -> int:
        return sum(r.duration_s for r in self.routes)
