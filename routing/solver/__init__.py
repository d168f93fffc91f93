"""Waybill route optimiser: pure Python, no Django.

Build a `Problem`, call `solve(problem, time_limit_s)`, get a `Solution`. `check()` verifies
any plan independently; `split_problem()`/`merge_solutions()` let callers solve parts of a
large problem in parallel (e.g. a Celery chord).
"""

from .checker import Violation, check
from .model import (
    Break,
    Depot,
    Matrices,
    Objective,
    PickupDelivery,
    PlannedBreak,
    Problem,
    ProblemError,
    Route,
    Solution,
    Stop,
    TimeWindow,
    Unassigned,
    Vehicle,
    Visit,
)
from .portfolio import SolverBug, solve
from .providers import HaversineProvider, MatrixProvider, OSRMProvider, TravelTimeProvider

__all__ = [
    "Break",
    "Depot",
    "HaversineProvider",
    "Matrices",
    "MatrixProvider",
    "OSRMProvider",
    "Objective",
    "PickupDelivery",
    "PlannedBreak",
    "Problem",
    "ProblemError",
    "Route",
    "Solution",
    "SolverBug",
    "Stop",
    "TimeWindow",
    "TravelTimeProvider",
    "Unassigned",
    "Vehicle",
    "Violation",
    "Visit",
    "check",
    "solve",
]
