"""Bad input: problem-level faults raise ProblemError naming the field; per-stop faults come
back as unassigned stops with a reason, never silently dropped and never a crash."""

import dataclasses

import pytest
from solver_testkit import depot, planar

from routing.solver import (
    Break,
    Depot,
    PickupDelivery,
    Problem,
    ProblemError,
    Stop,
    TimeWindow,
    Vehicle,
    check,
    solve,
)


def base(stops, vehicles=None, **kw):
    if vehicles is None:
        vehicles = [Vehicle("v", "D", capacity={"kg": 100}, shift=TimeWindow(0, 1000))]
    return Problem([Depot("D", (48.85, 2.35))], vehicles, stops, **kw)


def reasons(problem):
    sol = solve(problem, 0.3)
    assert check(problem, sol) == []
    return {u.stop_id: u.reason for u in sol.unassigned}


def test_stop_without_coordinates_is_unassigned_with_reason():
    stops = [Stop("ok", (48.86, 2.35)), Stop("nowhere", None), Stop("nan", (float("nan"), 2.0))]
    assert reasons(base(stops)) == {"nowhere": "no coordinates", "nan": "no coordinates"}


def test_window_ending_before_it_starts_is_unassigned_with_reason():
    stop = Stop("bad", (48.86, 2.35), windows=(TimeWindow(50, 60), TimeWindow(500, 100)))
    assert reasons(base([stop])) == {"bad": "time window 2 ends before it starts"}


def test_demand_above_every_capacity_is_unassigned_with_reason():
    stop = Stop("heavy", (48.86, 2.35), demand={"kg": 101})
    assert reasons(base([stop])) == {"heavy": "demand exceeds every vehicle's capacity (kg)"}


def test_skill_no_vehicle_has_is_unassigned_with_reason():
    stop = Stop("cold", (48.86, 2.35), skills=frozenset({"fridge"}))
    assert reasons(base([stop])) == {"cold": "no vehicle has skill fridge"}


def test_skill_and_capacity_on_different_vehicles_is_unassigned_with_reason():
    vehicles = [
        Vehicle("big", "D", capacity={"kg": 100}),
        Vehicle("cold", "D", capacity={"kg": 10}, skills=frozenset({"fridge"})),
    ]
    stop = Stop("s", (48.86, 2.35), demand={"kg": 50}, skills=frozenset({"fridge"}))
    assert reasons(base([stop], vehicles)) == {
        "s": "no single vehicle has both the skills and the capacity"
    }


def test_unreachable_time_window_is_unassigned_with_reason():
    # About 13 km away: no vehicle leaving at 0 arrives by second 60.
    stop = Stop("rush", (48.97, 2.35), windows=(TimeWindow(0, 60),))
    assert reasons(base([stop])) == {
        "rush": "time window unreachable (or beyond every shift, duration or distance limit)"
    }


def test_partner_of_an_unplannable_pickup_is_unassigned_with_reason():
    stops = [Stop("p", None, demand={"kg": 1}), Stop("d", (48.86, 2.35))]
    got = reasons(base(stops, pairs=[PickupDelivery("p", "d")]))
    assert got == {"p": "no coordinates", "d": "paired pickup p cannot be planned"}


def test_no_vehicles_raises_problem_error_naming_the_field():
    with pytest.raises(ProblemError) as err:
        solve(base([Stop("s", (48.86, 2.35))], vehicles=[]), 1)
    assert err.value.field == "vehicles"


@pytest.mark.parametrize("limit", [0, -1])
def test_non_positive_time_limit_raises_problem_error(limit):
    with pytest.raises(ProblemError) as err:
        solve(base([Stop("s", (48.86, 2.35))]), limit)
    assert err.value.field == "time_limit_s"


def test_duplicate_stop_ids_raise_problem_error_naming_them():
    stops = [Stop("s", (48.86, 2.35)), Stop("s", (48.87, 2.35))]
    with pytest.raises(ProblemError) as err:
        solve(base(stops), 1)
    assert (err.value.field, err.value.ids) == ("stops", ("s",))


def test_vehicle_with_unknown_depot_raises_problem_error():
    with pytest.raises(ProblemError) as err:
        solve(base([], vehicles=[Vehicle("v", "nowhere")]), 1)
    assert err.value.ids == ("v",)


def test_delivery_with_its_own_demand_is_refused():
    stops = [Stop("p", (48.86, 2.35)), Stop("d", (48.87, 2.35), demand={"kg": 1})]
    with pytest.raises(ProblemError, match="delivery's load comes from its pickup"):
        solve(base(stops, pairs=[PickupDelivery("p", "d")]), 1)


def test_empty_problem_returns_empty_plan():
    sol = solve(planar([depot()], [Vehicle("v", "D")], []), 0.1)
    assert sol.routes == [] and sol.unassigned == []


def test_all_stops_bad_still_returns_a_plan_listing_every_stop():
    stops = [Stop(f"s{i}", None) for i in range(3)]
    problem = base(stops)
    sol = solve(problem, 0.2)
    assert sorted(u.stop_id for u in sol.unassigned) == ["s0", "s1", "s2"]
    assert check(problem, dataclasses.replace(sol)) == []


def test_return_above_every_capacity_is_unassigned_with_reason():
    stop = Stop("bulky", (48.86, 2.35), pickup={"kg": 101})
    assert reasons(base([stop])) == {"bulky": "pickup exceeds every vehicle's capacity (kg)"}


def test_negative_return_is_refused():
    with pytest.raises(ProblemError, match="negative pickup") as err:
        solve(base([Stop("s", (48.86, 2.35), pickup={"kg": -1})]), 0.3)
    assert err.value.field == "stops.pickup"


def test_paired_stop_collecting_a_return_is_refused():
    stops = [
        Stop("p", (48.86, 2.35), demand={"kg": 1}, pickup={"kg": 2}),
        Stop("d", (48.87, 2.35)),
    ]
    with pytest.raises(ProblemError, match="cannot also collect a return"):
        solve(base(stops, pairs=[PickupDelivery("p", "d")]), 0.3)


def test_break_window_ending_before_it_starts_is_refused():
    vehicle = Vehicle("v", "D", breaks=(Break(500, 100, 30),))
    with pytest.raises(ProblemError) as err:
        solve(base([Stop("s", (48.86, 2.35))], vehicles=[vehicle]), 0.3)
    assert err.value.field == "vehicles.breaks" and err.value.ids == ("v",)
