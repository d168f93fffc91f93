"""Re-optimisation: completed stops never move, locked routes keep their sequence, stops
locked to a vehicle stay on it, and a warm start is honoured."""

import pytest
from solver_testkit import depot, planar

from routing.solver import Stop, Vehicle, check, solve


def city():
    stops = [Stop(f"s{i}", (10 * (i % 4), 10 * (i // 4))) for i in range(1, 12)]
    return planar([depot()], [Vehicle("a", "D"), Vehicle("b", "D"), Vehicle("c", "D")], stops)


def routes_of(sol):
    return {r.vehicle_id: r.stop_ids for r in sol.routes}


def test_completed_stops_stay_as_the_route_prefix_in_order():
    problem = city()
    # A deliberately poor order: re-optimisation must not "fix" what has already happened.
    problem.completed = {"a": ["s11", "s1", "s10"]}
    sol = solve(problem, 0.5, debug=True)
    assert routes_of(sol)["a"][:3] == ["s11", "s1", "s10"]
    assert check(problem, sol) == []
    assert sol.engine == "ortools"


def test_locked_route_keeps_its_exact_sequence_and_gets_no_new_stop():
    problem = city()
    problem.initial_routes = {"b": ["s3", "s9", "s2"], "c": ["s4", "s5"]}
    problem.locked_routes = frozenset({"b"})
    sol = solve(problem, 0.5, debug=True)
    assert routes_of(sol)["b"] == ["s3", "s9", "s2"]
    assert check(problem, sol) == []


def test_locked_route_after_completed_prefix():
    problem = city()
    problem.completed = {"b": ["s3"]}
    problem.initial_routes = {"b": ["s3", "s9", "s2"]}
    problem.locked_routes = frozenset({"b"})
    sol = solve(problem, 0.5, debug=True)
    assert routes_of(sol)["b"] == ["s3", "s9", "s2"]


def test_stop_locked_to_a_vehicle_stays_on_it():
    problem = city()
    problem.stops[0] = Stop("s1", (10, 0), locked_vehicle="c")
    problem.stops[10] = Stop("s11", (30, 20), locked_vehicle="c")
    sol = solve(problem, 0.5, debug=True)
    assert {"s1", "s11"} <= set(routes_of(sol)["c"])


@pytest.mark.parametrize("engine", ["ortools", "pyvrp"])
def test_warm_start_is_improved_upon_not_just_returned(engine):
    problem = city()
    zigzag = [f"s{i}" for i in (1, 11, 2, 10, 3, 9, 4, 8, 5, 7, 6)]
    problem.initial_routes = {"a": zigzag}
    sol = solve(problem, 0.3, engine=engine, debug=True)
    assert check(problem, sol) == []
    assert not sol.unassigned
    problem.initial_routes = {}
    from routing.solver.schedule import timed_route

    assert sol.distance_m < timed_route(problem, problem.matrices, "a", zigzag).distance_m
