"""What a parsed VROOM input keeps besides the solver Problem: tasks, vehicles and places as
VROOM named them, for writing the output and checking plans."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model import Problem
from .costs import CostModel

DEFAULT_PROFILE = "car"


@dataclass
class Place:
    loc: int  # row in the location matrices
    location: tuple[float, float] | None = None  # [lon, lat] as given
    location_index: int | None = None


@dataclass
class Task:
    stop_id: str
    kind: str  # job, pickup, delivery (VROOM's step and unassigned types)
    id: int
    path: str
    place: Place
    setup: int
    service: int
    delivery: list[int]
    pickup: list[int]
    priority: int
    skills: frozenset[str]
    windows: list[tuple[int, int]]
    description: str | None = None
    partner: str | None = None  # the other step of a shipment


@dataclass
class BreakSpec:
    id: int
    path: str
    window: tuple[int, int] | None = None
    service: int = 0
    description: str | None = None


@dataclass
class Fleet:
    """What the output needs about one VROOM vehicle beyond the solver's Vehicle."""

    id: int
    path: str
    start: Place | None
    end: Place | None
    capacity: list[int]
    fixed: int = 0
    per_hour: int = 3600
    per_km: int = 0
    per_task_hour: int = 0
    skills: frozenset[str] = frozenset()
    time_window: tuple[int, int] | None = None
    max_tasks: int | None = None
    max_travel_time: int | None = None
    max_distance: int | None = None
    breaks: list[BreakSpec] = field(default_factory=list)
    description: str | None = None
    profile: str = DEFAULT_PROFILE
    speed_factor: float = 1.0


@dataclass
class VroomProblem:
    """The solver Problem plus what turning its Solution back into VROOM's JSON needs."""

    problem: Problem
    tasks: dict[str, Task]  # by stop id
    fleet: dict[str, Fleet]  # by solver vehicle id
    durations: np.ndarray  # location matrices, speed factor applied; last row is ANYWHERE
    distances: np.ndarray | None  # None: durations-only matrices, distances unknown
    costs: CostModel
    amount_size: int
    time_limit_s: float | None = None  # options.time_limit, when the input gives one
