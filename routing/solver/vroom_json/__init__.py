"""VROOM's JSON in and out: read a problem in VROOM's input format, solve it with Waybill's
solver, answer in VROOM's output format (docs/API.md of VROOM-Project/vroom).

`solve_json(data, time_limit_s)` is the whole round trip; `parse_input`, `to_output` and
`plan_violations` are its parts. Bad input raises `VroomInputError` naming the JSON path.
"""

from __future__ import annotations

import threading
import time

from ..model import ProblemError
from ..portfolio import solve
from ..providers import TravelTimeProvider
from .output import to_output
from .parse import parse_input
from .reader import VroomInputError, loads
from .spec import VroomProblem
from .validate import plan_violations


class PlanInvalid(RuntimeError):
    """The solver produced a plan that breaks a rule of the input (VROOM's code 1, internal
    error). Never returned as a plan: a caller gets this instead."""

    def __init__(self, violations: list[str]) -> None:
        self.violations = violations
        super().__init__("the plan breaks the input's rules: " + "; ".join(violations[:5]))


DEFAULT_TIME_LIMIT_S = 10.0


def solve_json(
    data,
    time_limit_s: float | None = None,
    *,
    engine: str = "auto",
    progress=None,
    cancel_event: threading.Event | None = None,
    provider: TravelTimeProvider | None = None,
    info: dict | None = None,
) -> dict:
    """Solve decoded VROOM input within `time_limit_s` (else the input's options.time_limit,
    else DEFAULT_TIME_LIMIT_S) and return VROOM's output (a dict).

    Raises VroomInputError for invalid input and PlanInvalid if the plan fails the VROOM-rules
    check (so an invalid plan never reaches a caller). `info`, when given, receives the engine
    that made the plan."""
    started = time.perf_counter()
    vp = parse_input(data, provider)
    loaded = time.perf_counter()
    limit = time_limit_s or vp.time_limit_s or DEFAULT_TIME_LIMIT_S
    try:
        solution = solve(
            vp.problem,
            limit,
            engine=engine,
            progress=progress,
            cancel_event=cancel_event,
        )
    except ProblemError as exc:
        raise VroomInputError([("", str(exc))]) from exc
    solved = time.perf_counter()
    if info is not None:
        info["engine"] = solution.engine
    output = to_output(
        vp,
        solution,
        loading_ms=round((loaded - started) * 1000),
        solving_ms=round((solved - loaded) * 1000),
    )
    violations = plan_violations(vp, output)
    if violations:
        raise PlanInvalid(violations)
    return output


__all__ = [
    "PlanInvalid",
    "VroomInputError",
    "VroomProblem",
    "loads",
    "parse_input",
    "plan_violations",
    "solve_json",
    "to_output",
]
