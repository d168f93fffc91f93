"""The rich portfolio: VROOM and PyVRP side by side, the best checker-valid plan wins, and
Solution.engine says who made it. Engines are replaced where a test needs one to misbehave."""

import dataclasses

import pytest
from solver_testkit import depot, planar

from routing.solver import (
    Break,
    PlannedBreak,
    Stop,
    TimeWindow,
    Vehicle,
    check,
    rich_portfolio,
    solve,
    vroom_engine,
    vroom_process,
)
from routing.solver.model import Route
from routing.solver.ortools_engine import EngineResult
from routing.solver.prepare import prepare
from routing.solver.repair import repair
from routing.solver.schedule import timed_route


def rich(n: int = 12):
    stops = [
        Stop(
            f"s{i}",
            (10 * (i % 4) - 15, 10 * (i // 4) - 10),
            demand={"units": 2},
            pickup={"units": 1} if i % 5 == 0 else {},
            service_s=10,
            skills=frozenset({"cold"}) if i % 3 == 0 else frozenset(),
        )
        for i in range(n)
    ]
    vehicles = [
        Vehicle(
            f"v{k}",
            "D",
            capacity={"units": 12},
            shift=TimeWindow(0, 2000),
            skills=frozenset({"cold"}) if k else frozenset(),
            breaks=(Break(100, 300, 60),),
        )
        for k in range(3)
    ]
    return planar([depot()], vehicles, stops)


def cheap_but_wrong(prepared, *args, **kwargs) -> EngineResult:
    """One route for everything on the vehicle without the skill, breaks forgotten."""
    p = prepared.problem
    route = timed_route(p, prepared.matrices, "v0", [s.id for s in p.stops])
    route.breaks = []
    return EngineResult([route], [], {"engine": "vroom"})


def test_rich_problem_runs_both_engines_and_returns_a_valid_plan():
    problem = rich()
    sol = solve(problem, 2.0, debug=True)
    assert check(problem, sol) == [] and not sol.unassigned
    assert {"vroom", "pyvrp"} <= set(sol.stats["candidates"])
    assert sol.engine.split("+")[0] in {"vroom", "pyvrp"}


def test_a_plan_the_checker_rejects_never_wins_however_cheap(monkeypatch):
    monkeypatch.setattr(vroom_process, "start", lambda *a, **k: None)  # VROOM in process
    monkeypatch.setattr(vroom_engine, "solve_vroom", cheap_but_wrong)
    problem = rich()
    sol = solve(problem, 2.0)
    assert check(problem, sol) == []
    assert "vroom" not in sol.stats["candidates"]
    assert not sol.engine.startswith("vroom")


def test_best_valid_plan_wins_and_names_its_engine(monkeypatch):
    monkeypatch.setattr(rich_portfolio.pyvrp_engine, "solve_pyvrp", lambda *a, **k: None)
    problem = rich()
    sol = solve(problem, 2.0, debug=True)
    assert check(problem, sol) == []
    # PyVRP found nothing: VROOM's plan, or the OR-Tools polish of it when that is better.
    assert sol.engine in ("vroom", "vroom+ortools")
    assert sol.cost <= sol.stats["candidates"]["vroom"]


@pytest.mark.parametrize("engine", ["vroom", "pyvrp"])
def test_each_engine_alone_names_itself(engine):
    problem = rich()
    sol = solve(problem, 1.0, engine=engine, debug=True)
    assert check(problem, sol) == [] and sol.engine == engine


def test_completed_stops_leave_vroom_and_pyvrp_out():
    problem = rich()
    problem.completed = {"v1": ["s3"]}
    sol = solve(problem, 1.0, debug=True)
    assert check(problem, sol) == [] and sol.engine == "ortools"
    assert sol.stats["vroom_unsupported"] == "locked routes or completed stops"
    with pytest.raises(ValueError, match="vroom cannot represent"):
        solve(problem, 1.0, engine="vroom")


def test_break_is_taken_while_waiting_and_delays_nothing():
    stops = [Stop("a", (10, 0), service_s=5), Stop("b", (20, 0), windows=(TimeWindow(200, 210),))]
    plain = planar([depot()], [Vehicle("v", "D")], stops)
    pause = dataclasses.replace(plain.vehicles[0], breaks=(Break(50, 120, 60),))
    with_break = dataclasses.replace(plain, vehicles=[pause])
    before = timed_route(plain, plain.matrices, "v", ["a", "b"])
    after = timed_route(with_break, with_break.matrices, "v", ["a", "b"])
    assert after.end_s == before.end_s and after.visits[1].start_s == before.visits[1].start_s
    (brk,) = after.breaks
    assert 50 <= brk.start_s <= 120
    assert check(with_break, _solution(after)) == []


def test_break_after_the_return_costs_nothing():
    stops = [Stop("a", (10, 0))]
    problem = planar([depot()], [Vehicle("v", "D", breaks=(Break(100, 500, 60),))], stops)
    route = timed_route(problem, problem.matrices, "v", ["a"])
    assert route.end_s == 20 and route.breaks == [PlannedBreak(100, 60)]
    assert check(problem, _solution(route)) == []


def test_repair_moves_the_stop_that_leaves_no_room_for_a_break():
    # v0's sequence a, b, c is packed by windows: no 60 s gap anywhere in its break window.
    stops = [
        Stop("a", (10, 0), windows=(TimeWindow(10, 10),), service_s=40),
        Stop("b", (20, 0), windows=(TimeWindow(60, 60),), service_s=40),
        Stop("c", (30, 0), windows=(TimeWindow(110, 110),), service_s=40),
    ]
    vehicles = [
        Vehicle(f"v{k}", "D", shift=TimeWindow(0, 1000), breaks=(Break(40, 120, 60),))
        for k in range(2)
    ]
    problem = planar([depot()], vehicles, stops)
    prepared = prepare(problem, 1.0)
    packed = timed_route(problem, problem.matrices, "v0", ["a", "b", "c"])
    assert any(v.kind == "break" for v in check(problem, _solution(packed)))
    fixed = repair(prepared, EngineResult([packed], [], {}))
    sol = _solution(*fixed.routes)
    assert check(problem, sol) == [] and not fixed.unassigned
    assert fixed.stats["repaired"] == 1 and len(fixed.routes) == 2


def _solution(*routes: Route):
    from routing.solver import Solution

    return Solution(list(routes), [])


@pytest.mark.parametrize("engine", ["vroom", "pyvrp", "auto"])
def test_overlapping_windows_are_one_window_to_every_engine(engine):
    stop = Stop("s", (50, 0), windows=(TimeWindow(100, 200), TimeWindow(150, 300)))
    problem = planar([depot()], [Vehicle("v", "D")], [stop])
    sol = solve(problem, 0.5, engine=engine, debug=True)
    assert check(problem, sol) == [] and not sol.unassigned
    assert 100 <= sol.routes[0].visits[0].start_s <= 300
