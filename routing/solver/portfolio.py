"""`solve()`: the one entry point. Validates, picks engines, shares the time budget, keeps the
best checker-valid plan, and always returns a plan (unplannable stops come back unassigned).

Textbook problems (nothing but capacities, single windows, depots and a fleet PyVRP models
exactly) run PyVRP then an OR-Tools polish, as measured on Solomon and Gehring-Homberger.
Rich problems (breaks, skills, several windows, returns, pairs, locks) run the rich portfolio
(rich_portfolio.py: VROOM and PyVRP side by side, then the polish); OR-Tools alone remains
the fallback for what neither of them expresses (completed prefixes, locked routes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from . import pyvrp_engine, vroom_engine
from .checker import check
from .costs import rank_key, solution_units
from .model import COST_UNITS, Problem, Solution, Unassigned
from .ortools_engine import EngineResult, solve_ortools
from .prepare import Prepared, prepare
from .providers import TravelTimeProvider
from .repair import repair

Progress = Callable[[float, float], None]
# Share of the budget PyVRP gets on textbook problems; the rest polishes with OR-Tools from
# PyVRP's plan. Chosen by measurement (docs/benchmarks.md, "Budget split"). Above
# POLISH_MAX_STOPS PyVRP keeps the whole budget: on Gehring-Homberger 200 the polish cost
# more than it found (docs/benchmarks.md, "Rich problems").
PYVRP_SHARE = 0.85
POLISH_MAX_STOPS = 150
MIN_POLISH_S = 0.1
ENGINES = ("auto", "ortools", "pyvrp", "vroom")


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
    pyvrp_share: float | None = None,
) -> Solution:
    """Plan `problem` within `time_limit_s` seconds in total.

    progress(best_cost, elapsed_s) is called on each improvement; setting `cancel_event`
    stops the search and returns the best plan so far. engine="auto" runs the portfolio
    (module docstring); "ortools", "pyvrp" and "vroom" run one engine alone (ValueError if it
    cannot represent the problem). Problems with more than `split_above` plannable stops are
    split by depot and geography (see split.py). `pyvrp_share` overrides PyVRP's share of the
    budget on textbook problems.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}")
    started = time.perf_counter()
    prepared = prepare(problem, time_limit_s, provider)
    if split_above is not None and len(prepared.active) > split_above:
        from .split import solve_split

        left = time_limit_s - (time.perf_counter() - started)
        return solve_split(prepared, left, split_above, progress, cancel_event, engine)
    # Keep back time for extracting and checking plans, which grows with the stop count, so
    # the caller gets the answer within time_limit_s (measured: ~1 s at 1,000 stops).
    reserve = 0.005 * time_limit_s + 0.0005 * len(prepared.active)
    run = Run(prepared, started + time_limit_s - reserve, progress, cancel_event, debug)
    if prepared.active:
        if engine == "ortools":
            run.ortools(problem.initial_routes)
        elif engine in ("pyvrp", "vroom"):
            _alone(run, engine)
        elif plain(prepared):
            if pyvrp_share is None:
                small = len(prepared.active) <= POLISH_MAX_STOPS
                pyvrp_share = PYVRP_SHARE if small else 1.0
            run.pyvrp(run.remaining() * pyvrp_share, problem.initial_routes or None)
            run.polish()
        else:
            from .rich_portfolio import solve_rich

            solve_rich(run)
    else:
        run.candidates.append(run.assemble(EngineResult([], [], {}), "none"))
    why = "cancelled before a plan was found" if run.cancelled() else "no plan found"
    best = run.best(why)
    best.elapsed_s = time.perf_counter() - started
    best.stats["candidates"] = {s.engine: s.cost for s in run.candidates}
    best.stats["pyvrp_unsupported"] = pyvrp_engine.supports(prepared) if prepared.active else None
    best.stats["vroom_unsupported"] = vroom_engine.supports(prepared) if prepared.active else None
    return best


def plain(prepared: Prepared) -> bool:
    """True for the textbook problems PyVRP models exactly and without a relaxation."""
    p = prepared.problem
    n_vehicles = len(p.vehicles)
    return not (
        p.pairs
        or p.completed
        or p.locked_routes
        or any(v.breaks for v in p.vehicles)
        or any(s.locked_vehicle for s in p.stops)
        or any(len(p.stops[i].windows) > 1 or p.stops[i].pickup for i in prepared.active)
        or any(len(prepared.allowed[i]) < n_vehicles for i in prepared.active)
    )


def _alone(run: Run, engine: str) -> None:
    reason = (pyvrp_engine if engine == "pyvrp" else vroom_engine).supports(run.prepared)
    if reason is not None:
        raise ValueError(f"{engine} cannot represent this problem: {reason}")
    initial = run.prepared.problem.initial_routes or None
    if engine == "pyvrp":
        run.pyvrp(run.remaining(), initial)
    else:
        res = vroom_engine.solve_vroom(run.prepared, max(run.remaining(), 0.01), initial=initial)
        run.add(res, "vroom")


class Run:
    """One solve: the deadline, the progress and cancel hooks, and the checked candidates."""

    def __init__(self, prepared: Prepared, deadline: float, progress, cancel_event, debug):
        self.prepared = prepared
        self.deadline = deadline
        self.started = time.perf_counter()
        self.cancel_event = cancel_event
        self.debug = debug
        self.progress = progress
        self.best_cost = float("inf")
        self.candidates: list[Solution] = []

    def remaining(self) -> float:
        return self.deadline - time.perf_counter()

    def cancelled(self) -> bool:
        return self.cancel_event is not None and self.cancel_event.is_set()

    def report(self, cost: float, _elapsed: float = 0.0) -> None:
        """Forwards only overall improvements, with elapsed time since solve() began."""
        if cost < self.best_cost:
            self.best_cost = cost
            if self.progress:
                self.progress(cost, time.perf_counter() - self.started)

    def assemble(self, res: EngineResult, engine: str) -> Solution:
        sol = Solution(
            routes=[r for r in res.routes if r.visits],
            unassigned=self.prepared.unassigned + res.unassigned,
            engine=engine,
            stats=dict(res.stats),
        )
        sol.cost = solution_units(self.prepared.problem, sol) / COST_UNITS
        return sol

    def add(self, res: EngineResult | None, engine: str) -> Solution | None:
        """Keep an engine's plan only if the independent checker finds nothing wrong with it."""
        if res is None:
            return None
        sol = self.assemble(res, engine)
        violations = check(self.prepared.problem, sol, matrices=self.prepared.matrices)
        if violations:
            if self.debug:
                raise SolverBug(f"{engine}: {violations[:5]}")
            return None
        self.candidates.append(sol)
        self.report(sol.cost)
        return sol

    def leader(self) -> Solution | None:
        if not self.candidates:
            return None
        return min(self.candidates, key=lambda s: rank_key(self.prepared.problem, s))

    def pyvrp(self, limit_s: float, initial, engine: str = "pyvrp", **kw) -> Solution | None:
        """PyVRP; its routes are timed exactly (breaks placed) and repaired where that fails
        or where it left a required stop out, before the check."""
        res = pyvrp_engine.solve_pyvrp(
            self.prepared,
            max(limit_s, 0.01),
            initial=initial,
            progress=self.report,
            cancel_event=self.cancel_event,
            **kw,
        )
        if res is not None:
            res = repair(self.prepared, res, max(self.remaining(), 0.05))
        return self.add(res, engine)

    def ortools(self, initial, engine: str = "ortools") -> Solution | None:
        res = solve_ortools(
            self.prepared,
            max(self.remaining(), 0.05),
            initial=initial or None,
            progress=self.report,
            cancel_event=self.cancel_event,
        )
        return self.add(res, engine)

    def polish(self) -> None:
        """OR-Tools from the best plan so far (exact breaks), with whatever time is left."""
        if self.cancelled() or (self.candidates and self.remaining() < MIN_POLISH_S):
            return
        seed = self.leader()
        warm = as_initial(seed) if seed else self.prepared.problem.initial_routes
        self.ortools(warm, f"{seed.engine}+ortools" if seed else "ortools")

    def best(self, why: str) -> Solution:
        best = self.leader()
        if best is None:
            # Every engine failed (e.g. cancelled before a first solution): plan nothing rather
            # than crash, and say why for every stop.
            stops = self.prepared.problem.stops
            res = EngineResult([], [Unassigned(stops[i].id, why) for i in self.prepared.active], {})
            return self.assemble(res, "none")
        return best


def as_initial(solution: Solution) -> dict[str, list[str]]:
    return {r.vehicle_id: r.stop_ids for r in solution.routes}
