"""The portfolio for rich problems (breaks, skills, several windows, returns, pairs).

Measured on benchmarks/rich.py (docs/benchmarks.md, "Rich problems"): PyVRP, with breaks
relaxed and placed exactly afterwards, makes the shorter plans when it gets its core, while
VROOM (exact breaks, in C++) wins when PyVRP is starved of CPU and is the safety net for
the stops served. So both run at once, one per core: VROOM in a forked child (one thread;
a few of its heuristic starts, as many as its measured search time allows, instead of
exploration level 5's 32, which share the timeout evenly and are each cut short at these
limits) and PyVRP here.
If VROOM answers while PyVRP still has no feasible plan, or VROOM's plan turns out the
best, PyVRP restarts from it for whatever time is left. The OR-Tools polish (exact breaks)
then improves the best checker-valid plan (up to POLISH_MAX_STOPS stops).
"""

from __future__ import annotations

import time

import numpy as np

from . import pyvrp_engine, vroom_engine, vroom_process
from .costs import vehicle_rates
from .portfolio import Run, as_initial
from .prepare import active_matrix
from .providers import UNREACHABLE

# Share of the budget kept for the OR-Tools polish at the end (by measurement), and for
# repairing PyVRP's plans (placing breaks exactly, finding room for what does not fit).
POLISH_SHARE = 0.1
REPAIR_SHARE = 0.05  # at most; usually REPAIR_S + REPAIR_S_PER_STOP x stops (measured)
REPAIR_S = 0.3
REPAIR_S_PER_STOP = 0.001
# Above this many stops OR-Tools spends its share building its model and restoring the
# start, and finds nothing better (measured at 400 and 1,000 stops), so the search keeps
# that time.
POLISH_MAX_STOPS = 300
# VROOM's child answers within this share of the search time (it overshoots its timeout a
# little), and within VROOM_SLACK x the time its searches were measured to need: past that
# its core is better left to PyVRP.
VROOM_SHARE = 0.9
VROOM_SLACK = 1.5
PRIZE_ARCS = 10  # measured: 100 left PyVRP among infeasible plans on rich100-3
GIVE_UP = 0.25  # of PyVRP's time without a feasible plan before it switches to prizes
# Seconds one VROOM search takes on one core, as a function of the stop count (measured on
# benchmarks/rich.py: 0.4 s at 100 stops, 1.8 s at 200, 9.6 s at 400).
SEARCH_S_AT_100 = 0.4
SEARCH_GROWTH = 2.3
MAX_SEARCHES = 8


def required_prize(prepared) -> int:
    """What PyVRP loses by leaving out a required stop: PRIZE_ARCS times the dearest arc,
    above any detour (at most two arcs), yet low enough against PyVRP's penalties for
    infeasible plans (at most 1e5 per unit of excess) that its search drops stops which
    cannot all be served instead of wandering among infeasible plans."""
    problem = prepared.problem
    idx = active_matrix(prepared)
    d = prepared.matrices.distance_m[np.ix_(idx, idx)]
    finite = d[d < UNREACHABLE]
    longest = int(finite.max()) if finite.size else 1
    per_metre = max(vehicle_rates(problem, v).per_metre for v in problem.vehicles)
    return PRIZE_ARCS * max(per_metre, 1) * max(longest, 1)


def search_s(n_stops: int) -> float:
    return SEARCH_S_AT_100 * (max(n_stops, 1) / 100) ** SEARCH_GROWTH


def searches_for(n_stops: int, budget_s: float) -> int:
    """As many VROOM starts as fit in the budget at their measured length (at least one)."""
    return max(1, min(MAX_SEARCHES, int(budget_s / search_s(n_stops))))


def solve_rich(run: Run) -> None:
    prepared = run.prepared
    problem = prepared.problem
    vroom_ok = vroom_engine.supports(prepared) is None
    pyvrp_ok = pyvrp_engine.supports(prepared) is None
    initial = problem.initial_routes or None
    polish = POLISH_SHARE if len(prepared.active) <= POLISH_MAX_STOPS else 0.0
    budget = run.remaining()
    repair_s = min(REPAIR_SHARE * budget, REPAIR_S + REPAIR_S_PER_STOP * len(prepared.active))
    search_end = run.deadline - polish * budget - repair_s
    if vroom_ok and pyvrp_ok:
        _side_by_side(run, search_end, initial)
    elif vroom_ok:
        budget = max(search_end - time.perf_counter(), 0.01)
        run.add(vroom_engine.solve_vroom(prepared, budget, initial=initial), "vroom")
    elif pyvrp_ok:
        _pyvrp(run, search_end, initial)
    if polish or not run.candidates:
        run.polish()


class _Handoff:
    """PyVRP's interrupt: once VROOM's child has answered with a valid plan, stop PyVRP if it
    still has no feasible plan of its own (PyVRP then restarts from VROOM's plan, with
    prizes). A VROOM plan that is merely shorter does not stop PyVRP: measured, PyVRP
    restarted from it stays close to it, while its own search, left alone, ends up shorter."""

    def __init__(self, run: Run, child) -> None:
        self.run, self.child = run, child
        self.vroom = None
        self.answered = False

    def __call__(self, best_cost: int) -> bool:
        if not self.answered and self.child.done():
            self.answered = True
            self.vroom = self.run.add(self.child.result(0.0), "vroom")
        return self.vroom is not None and best_cost >= pyvrp_engine.INFEASIBLE


def _side_by_side(run: Run, search_end: float, initial) -> None:
    prepared = run.prepared
    budget = search_end - time.perf_counter()
    n = len(prepared.active)
    searches = searches_for(n, VROOM_SHARE * budget)
    vroom_s = min(VROOM_SHARE * budget, VROOM_SLACK * searches * search_s(n))
    child = vroom_process.start(prepared, vroom_s, searches)
    if child is None:  # no fork here: VROOM first in this process, then PyVRP
        run.add(vroom_engine.solve_vroom(prepared, 0.3 * budget, searches=searches), "vroom")
        _pyvrp(run, search_end, initial)
        return
    handoff = _Handoff(run, child)
    try:
        _pyvrp(run, search_end, initial, interrupt=handoff)
        if not handoff.answered:
            handoff.answered = True
            handoff.vroom = run.add(child.result(search_end - time.perf_counter()), "vroom")
        if handoff.vroom is not None and run.leader() is handoff.vroom:
            _restart(run, search_end, initial)
    finally:
        child.kill()


def _pyvrp(run: Run, search_end: float, initial, **kw) -> None:
    """PyVRP with every required stop required; if it finds no feasible plan in GIVE_UP of
    its time (some stops cannot all be served), or VROOM's plan arrives first, PyVRP again
    with prizes for the rest, from the best plan so far. Measured: prizes from the start cost
    PyVRP up to 4 % on instances where everything fits, and required stops alone leave it
    with no plan where not everything does."""
    budget = search_end - time.perf_counter()
    if run.pyvrp(budget, initial, give_up_share=GIVE_UP, **kw) is None:
        _restart(run, search_end, initial, **kw)


def _restart(run: Run, search_end: float, initial, **kw) -> None:
    """PyVRP (with prizes) from the best plan so far, for what is left of the search time."""
    left = search_end - time.perf_counter()
    leader = run.leader()
    if left > 0.2 and not run.cancelled():
        warm = as_initial(leader) if leader else initial
        engine = f"{leader.engine}+pyvrp" if leader else "pyvrp"
        run.pyvrp(left, warm, engine=engine, required_prize=required_prize(run.prepared), **kw)
