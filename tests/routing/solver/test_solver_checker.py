"""The checker catches each kind of violation: one test per kind, each starting from a plan
that the checker accepts and breaking exactly one rule."""

import dataclasses

import pytest
from solver_testkit import depot, planar

from routing.solver import (
    Break,
    Depot,
    PickupDelivery,
    PlannedBreak,
    Solution,
    Stop,
    TimeWindow,
    Unassigned,
    Vehicle,
    check,
)
from routing.solver.schedule import timed_route


def line_problem(**vehicle_kw):
    stops = [
        Stop("A", (10, 0), demand={"units": 4, "kg": 1}, windows=(TimeWindow(0, 100),)),
        Stop(
            "B", (20, 0), demand={"units": 4, "kg": 1}, windows=(TimeWindow(0, 100),), service_s=5
        ),
        Stop("C", (0, 30), demand={"units": 1}, skills=frozenset({"fridge"})),
    ]
    vehicle = Vehicle(
        "V", "D", capacity={"units": 10, "kg": 5}, skills=frozenset({"fridge"}), **vehicle_kw
    )
    return planar([depot()], [vehicle, Vehicle("W", "D")], stops)


def plan(problem, routes: dict[str, list[str]], unassigned=()):
    sol = Solution(
        [timed_route(problem, problem.matrices, v, ids) for v, ids in routes.items()],
        [Unassigned(s, "test") for s in unassigned],
    )
    return sol


def kinds(problem, sol):
    return {v.kind for v in check(problem, sol)}


def test_valid_plan_has_no_violation():
    p = line_problem()
    assert check(p, plan(p, {"V": ["A", "B"]}, ["C"])) == []


def test_capacity_violation_per_dimension():
    p = line_problem()
    p.stops[0] = dataclasses.replace(p.stops[0], demand={"units": 4, "kg": 5})
    violations = check(p, plan(p, {"V": ["A", "B"]}, ["C"]))
    assert [(v.kind, v.message) for v in violations] == [("capacity", "kg load 6 > 5")]


def test_time_window_violation():
    p = line_problem()
    p.stops[1] = dataclasses.replace(p.stops[1], windows=(TimeWindow(0, 5),))
    assert kinds(p, plan(p, {"V": ["A", "B"]}, ["C"])) == {"time_window"}


def test_arriving_faster_than_travel_time_is_caught():
    p = line_problem()
    sol = plan(p, {"V": ["A", "B"]}, ["C"])
    visit = sol.routes[0].visits[1]
    visit.arrival_s = visit.start_s = visit.start_s - 3
    visit.departure_s -= 3
    assert "travel_time" in kinds(p, sol)


def test_shift_end_violation():
    p = line_problem(shift=TimeWindow(0, 30))
    assert kinds(p, plan(p, {"V": ["A", "B"]}, ["C"])) == {"shift"}


def test_max_duration_violation():
    p = line_problem(max_duration_s=40)
    assert kinds(p, plan(p, {"V": ["A", "B"]}, ["C"])) == {"max_duration"}


def test_max_distance_violation():
    p = line_problem(max_distance_m=39)
    assert kinds(p, plan(p, {"V": ["A", "B"]}, ["C"])) == {"max_distance"}


def test_reported_distance_must_match_matrix():
    p = line_problem()
    sol = plan(p, {"V": ["A", "B"]}, ["C"])
    sol.routes[0].distance_m -= 1
    assert kinds(p, sol) == {"distance"}


def test_skill_violation():
    p = line_problem()
    assert kinds(p, plan(p, {"V": ["A", "B"], "W": ["C"]})) == {"skill"}


def test_stop_neither_routed_nor_unassigned_is_missing():
    p = line_problem()
    assert kinds(p, plan(p, {"V": ["A", "B"]})) == {"missing"}


def test_unassigned_without_reason_is_caught():
    p = line_problem()
    sol = plan(p, {"V": ["A", "B"]}, ["C"])
    sol.unassigned[0].reason = ""
    assert kinds(p, sol) == {"missing"}


def test_stop_served_twice_is_duplicate():
    p = line_problem()
    assert kinds(p, plan(p, {"V": ["A", "B", "C"]}, ["C"])) == {"duplicate"}


def test_unknown_stop_is_caught():
    p = line_problem()
    sol = plan(p, {"V": ["A", "B"]}, ["C"])
    sol.unassigned.append(Unassigned("ZZZ", "typo"))
    assert kinds(p, sol) == {"unknown"}


def test_two_routes_for_one_vehicle_is_caught():
    p = line_problem()
    sol = plan(p, {"V": ["A"]}, ["C"])
    sol.routes.append(timed_route(p, p.matrices, "V", ["B"]))
    assert kinds(p, sol) == {"vehicle"}


def test_pickup_after_delivery_is_caught():
    p = line_problem()
    p.stops[1] = dataclasses.replace(p.stops[1], demand={})
    p.pairs = [PickupDelivery("A", "B")]
    assert check(p, plan(p, {"V": ["A", "B"]}, ["C"])) == []
    assert kinds(p, plan(p, {"V": ["B", "A"]}, ["C"])) == {"pickup_delivery"}
    assert kinds(p, plan(p, {"V": ["A"], "W": ["B"]}, ["C"])) == {"pickup_delivery"}


def test_break_outside_window_or_during_service_is_caught():
    p = line_problem(breaks=(Break(0, 100, 10),))
    sol = plan(p, {"V": ["A", "B"]}, ["C"])
    assert check(p, sol) == []  # timed_route places the break
    sol.routes[0].breaks = []
    assert kinds(p, sol) == {"break"}  # not planned at all
    sol.routes[0].breaks = [PlannedBreak(200, 10)]
    assert kinds(p, sol) == {"break"}
    sol.routes[0].breaks = [PlannedBreak(sol.routes[0].visits[1].start_s, 10)]
    assert kinds(p, sol) == {"break"}  # overlaps B's service
    sol.routes[0].breaks = [PlannedBreak(sol.routes[0].end_s, 10)]
    assert check(p, sol) == []  # after returning is fine


@pytest.mark.parametrize("field", ["completed", "locked"])
def test_moving_completed_or_locked_stops_is_caught(field):
    p = line_problem()
    if field == "completed":
        p.completed = {"V": ["B"]}
    else:
        p.initial_routes = {"V": ["B", "A"]}
        p.locked_routes = frozenset({"V"})
    assert kinds(p, plan(p, {"V": ["A", "B"]}, ["C"])) == {field}


def test_stop_locked_to_a_vehicle_must_stay_there():
    p = line_problem()
    p.stops[0] = dataclasses.replace(p.stops[0], locked_vehicle="V")
    assert kinds(p, plan(p, {"V": ["B"], "W": ["A"]}, ["C"])) == {"locked"}


def returns_problem():
    stops = [
        Stop("drop", (10, 0), demand={"units": 6}),
        Stop("collect", (20, 0), pickup={"units": 8}),
        Stop("both", (30, 0), demand={"units": 3}, pickup={"units": 2}),
    ]
    return planar([depot()], [Vehicle("V", "D", capacity={"units": 10})], stops)


def test_returns_fit_when_collected_after_the_deliveries_have_left():
    p = returns_problem()
    # On board: 9 at the start, 3 after drop, 2 after both (-3 + 2), 10 after collect.
    assert check(p, plan(p, {"V": ["drop", "both", "collect"]})) == []


def test_return_collected_too_early_overflows_mid_route():
    p = returns_problem()
    violations = check(p, plan(p, {"V": ["drop", "collect", "both"]}))
    # 9 at the start (within 10), 3 after drop, then 11 once the return is on board.
    assert [(v.kind, v.message) for v in violations] == [
        ("capacity", "units load 11 > 10 after collect")
    ]


def test_break_on_a_leg_too_short_for_it_is_caught():
    p = line_problem(breaks=(Break(0, 100, 10),))
    sol = plan(p, {"V": ["A", "B"]}, ["C"])
    a, b = sol.routes[0].visits
    # Squeeze B right after A: the 10 s leg then has no room for a 10 s break as well.
    sol.routes[0].breaks = [PlannedBreak(a.departure_s, 10)]
    b.arrival_s = b.start_s = a.departure_s + 10
    b.departure_s = b.start_s + 5
    sol.routes[0].end_s = b.departure_s + 20
    assert kinds(p, sol) == {"break"}


def test_service_between_two_windows_is_caught():
    p = line_problem()
    p.stops[1] = dataclasses.replace(p.stops[1], windows=(TimeWindow(0, 5), TimeWindow(50, 60)))
    sol = plan(p, {"V": ["A", "B"]}, ["C"])
    assert 50 <= sol.routes[0].visits[1].start_s <= 60  # the second window is used
    assert check(p, sol) == []
    visit = sol.routes[0].visits[1]
    visit.start_s, visit.departure_s = 30, 35  # between the windows
    assert kinds(p, sol) == {"time_window"}


def test_route_ending_at_another_depot_is_measured_to_it():
    p = line_problem()
    p.depots.append(Depot("E", (40, 0)))
    p.vehicles[0] = dataclasses.replace(p.vehicles[0], end_depot="E")
    p.matrices = planar(p.depots, p.vehicles, p.stops).matrices
    sol = plan(p, {"V": ["A", "B"]}, ["C"])
    assert sol.routes[0].distance_m == 40 and check(p, sol) == []
    sol.routes[0].distance_m = 40 + 20  # as if it came back to D
    assert kinds(p, sol) == {"distance"}
