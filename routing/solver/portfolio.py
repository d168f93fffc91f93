"""`solve()`: the one entry point. Validates, picks engines, shares the time budget, keeps the
best checker-valid plan, and always returns a plan (unplannable stops come back unassigned)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .checker import check
from .costs import rank_key, solution_units
from .model import COST_UNITS, Problem, Solution
from .ortools_engine import EngineResult, solve_ortools
from .prepare import Prepared, prepare
from .providers import TravelTimeProvider
from .pyvrp_engine import solve_pyvrp, supports

Progress = Callable[[float, float], None]
# Share of the budget PyVRP gets when both engines run; the rest polishes with OR-Tools from
# PyVRP's plan. Chosen by measurement (docs/benchmarks.md, "Budget split").
PYVRP_SHARE = 0.85
MIN_POLISH_S = 0.1
ENGINES = ("auto", "ortools", "pyvrp")


class SolverBug(AssertionError):
    """debug=True found a checker violation in an engine's plan."""


def solve(
    problem: Problem,
    time_limit_s: float,
    *,
    progress: Progress | None = None,
    cancel_event: threading.Event | None = None,
    engine: str = "auto",
    provider: TravelTimeProvider | None = None,
    debug: bool = False,
    split_above: int | None = None,
    pyvrp_share: float = PYVRP_SHARE,
) -> Solution:
    """Plan `problem` within `time_limit_s` seconds in total.

    progress(best_cost, elapsed_s) is called on each improvement; setting `cancel_event`
    stops the search and returns the best plan so far. engine="auto" runs PyVRP then
    OR-Tools when PyVRP can represent the problem, else OR-Tools alone. Problems with more
    than `split_above` plannable stops are split by depot and geography (see split.py).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}")
    started = time.perf_counter()
    prepared = prepare(problem, time_limit_s, provider)
    if split_above is not None and len(prepared.active) > split_above:
        from .split import solve_split

        left = time_limit_s - (time.perf_counter() - started)
        return solve_split(prepared, left, split_above, progress, cancel_event, engine)
    tracker = _Tracker(progress, started)
    candidates: list[Solution] = []
    # Keep back time for extracting and checking plans, which grows with the stop count, so
    # the caller gets the answer within time_limit_s (measured: ~1 s at 1,000 stops).
    reserve = 0.005 * time_limit_s + 0.0005 * len(prepared.active)
    deadline = started + time_limit_s - reserve
    remaining = lambda: deadline - time.perf_counter()  # noqa: E731
    if prepared.active:
        reason = supports(prepared)
        run_pyvrp = engine == "pyvrp" or (engine == "auto" and reason is None)
        if engine == "pyvrp" and reason is not None:
            raise ValueError(f"PyVRP cannot represent this problem: {reason}")
        if run_pyvrp:
            share = 1.0 if engine == "pyvrp" else pyvrp_share
            res = solve_pyvrp(
                prepared,
                max(remaining() * share, 0.01),
                initial=problem.initial_routes or None,
                progress=tracker,
                cancel_event=cancel_event,
            )
            _add(candidates, prepared, res, "pyvrp", debug)
        polish = engine == "auto" and not _cancelled(cancel_event)
        if candidates and remaining() < MIN_POLISH_S:
            polish = False  # PyVRP used the whole budget: nothing left worth building a model for
        if engine == "ortools" or polish:
            warm = _as_initial(candidates[0]) if candidates else problem.initial_routes
            res = solve_ortools(
                prepared,
                max(remaining(), 0.05),
                initial=warm or None,
                progress=tracker,
                cancel_event=cancel_event,
            )
            _add(candidates, prepared, res, "ortools", debug)
    else:
        candidates.append(_assemble(prepared, EngineResult([], [], {}), "none"))
    why = "cancelled before a plan was found" if _cancelled(cancel_event) else "no plan found"
    best = _best(prepared, candidates, why)
    best.elapsed_s = time.perf_counter() - started
    best.stats["candidates"] = {s.engine: s.cost for s in candidates}
    best.stats["pyvrp_unsupported"] = supports(prepared) if prepared.active else None
    return best


class _Tracker:
    """Forwards only overall improvements, with elapsed time since solve() began."""

    def __init__(self, progress: Progress | None, started: float) -> None:
        self.progress, self.started, self.best = progress, started, float("inf")

    def __call__(self, cost: float, _elapsed: float) -> None:
        if cost < self.best:
            self.best = cost
            if self.progress:
                self.progress(cost, time.perf_counter() - self.started)


def _cancelled(event: threading.Event | None) -> bool:
    return event is not None and event.is_set()


def _assemble(prepared: Prepared, res: EngineResult, engine: str) -> Solution:
    sol = Solution(
        routes=[r for r in res.routes if r.visits],
        unassigned=prepared.unassigned + res.unassigned,
        engine=engine,
        stats=dict(res.stats),
    )
    sol.cost = solution_units(prepared.problem, sol) / COST_UNITS
    return sol


def _add(candidates: list, prepared: Prepared, res, engine: str, debug: bool) -> None:
    """Keep an engine's plan only if the independent checker finds nothing wrong with it."""
    if res is None:
        return
    sol = _assemble(prepared, res, engine)
    violations = check(prepared.problem, sol, matrices=prepared.matrices)
    if violations:
        if debug:
            raise SolverBug(f"{engine}: {violations[:5]}")
        return
    candidates.append(sol)


def _best(prepared: Prepared, candidates: list[Solution], why: str) -> Solution:
    if not candidates:
        # Both engines failed (e.g. cancelled before a first solution): plan nothing rather than
        # crash, and say why for every stop.
        from .model import Unassigned

        res = EngineResult(
            [],
            [Unassigned(prepared.problem.stops[i].id, why) for i in prepared.active],
            {},
        )
        return _assemble(prepared, res, "none")
    best = min(candidates, key=lambda s: rank_key(prepared.problem, s))
    if len(candidates) > 1 and best.engine == "ortools":
        # Distinguish a polish that improved PyVRP's plan from OR-Tools winning alone.
        best.engine = "pyvrp+ortools" if candidates[0].engine == "pyvrp" else "ortools"
    return best


def _as_initial(solution: Solution) -> dict[str, list[str]]:
    return {r.vehicle_id: r.stop_ids for r in solution.routes}
