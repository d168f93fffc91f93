"""Every constraint type on a purpose-built case, plus brute-force optima for tiny problems.
Each solution also goes through the independent checker."""

import random

import pytest
from solver_testkit import brute_force_cvrp, depot, planar, tour_length

from routing.solver import (
    Break,
    Depot,
    Objective,
    PickupDelivery,
    Stop,
    TimeWindow,
    Vehicle,
    check,
    solve,
)

LIMIT = 0.5


def solved(problem, engine="auto", limit=LIMIT):
    sol = solve(problem, limit, engine=engine, debug=True)
    assert check(problem, sol) == []
    return sol


def routes_of(sol):
    return {r.vehicle_id: r.stop_ids for r in sol.routes}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("engine", ["ortools", "pyvrp", "auto"])
def test_matches_brute_force_optimum_on_seven_stops(seed, engine):
    rng = random.Random(seed)
    stops = [
        Stop(
            f"s{i}",
            (rng.randint(-50, 50), rng.randint(-50, 50)),
            demand={"units": rng.randint(1, 4)},
        )
        for i in range(7)
    ]
    # Capacity 15 < total demand for seeds 1-3, so both vehicles are needed.
    vehicles = [Vehicle(f"v{k}", "D", capacity={"units": 15}) for k in range(2)]
    problem = planar([depot()], vehicles, stops)
    assert sum(s.demand["units"] for s in stops) > 15
    sol = solved(problem, engine, limit=1.0)
    assert not sol.unassigned
    assert sol.distance_m == brute_force_cvrp(problem, 15)


def test_multi_dimensional_capacity_splits_on_the_binding_dimension():
    # Weight alone fits one vehicle; volume needs two.
    stops = [Stop(f"s{i}", (10 * i, 5), demand={"weight": 1, "volume": 6}) for i in range(1, 5)]
    vehicles = [Vehicle(f"v{k}", "D", capacity={"weight": 100, "volume": 12}) for k in range(3)]
    sol = solved(planar([depot()], vehicles, stops))
    assert len(sol.routes) == 2 and all(len(r.visits) == 2 for r in sol.routes)


def test_time_windows_force_the_visiting_order():
    stops = [
        Stop("far_late", (50, 0), windows=(TimeWindow(200, 220),)),
        Stop("near_early", (10, 0), windows=(TimeWindow(300, 320),)),
    ]
    sol = solved(planar([depot()], [Vehicle("v", "D")], stops))
    assert sol.routes[0].stop_ids == ["far_late", "near_early"]
    first = sol.routes[0].visits[0]
    assert 200 <= first.start_s <= 220


@pytest.mark.parametrize("engine", ["ortools", "pyvrp", "vroom", "auto"])
def test_second_time_window_is_used_when_the_first_is_unreachable(engine):
    stop = Stop("s", (100, 0), windows=(TimeWindow(0, 50), TimeWindow(500, 600)), service_s=10)
    sol = solved(planar([depot()], [Vehicle("v", "D")], [stop]), engine)
    visit = sol.routes[0].visits[0]
    assert 500 <= visit.start_s <= 600


def test_service_time_delays_the_next_stop():
    stops = [Stop("a", (10, 0), service_s=100), Stop("b", (20, 0), service_s=100)]
    sol = solved(planar([depot()], [Vehicle("v", "D")], stops))
    a, b = sol.routes[0].visits
    assert b.start_s >= a.start_s + 100 + 10
    assert sol.routes[0].duration_s >= 240


def test_break_is_planned_inside_its_window_and_off_service():
    stops = [Stop(f"s{i}", (10 * i, 0), service_s=30) for i in range(1, 5)]
    vehicle = Vehicle("v", "D", breaks=(Break(40, 80, 25),))
    sol = solved(planar([depot()], [vehicle], stops))
    (brk,) = sol.routes[0].breaks
    assert 40 <= brk.start_s <= 80 and brk.duration_s == 25
    for v in sol.routes[0].visits:
        assert brk.start_s + 25 <= v.start_s or brk.start_s >= v.start_s + 30


def test_skills_route_stop_to_the_only_capable_vehicle():
    stops = [Stop("cold", (10, 0), skills=frozenset({"fridge"})), Stop("plain", (0, 10))]
    vehicles = [
        Vehicle("dry", "D", fixed_cost=0),
        Vehicle("reefer", "D", skills=frozenset({"fridge"})),
    ]
    sol = solved(planar([depot()], vehicles, stops))
    assert "cold" in routes_of(sol)["reefer"]


@pytest.mark.parametrize("engine", ["ortools", "pyvrp"])
def test_optional_stop_is_dropped_with_reason_when_its_penalty_is_low(engine):
    far = Stop("far", (10_000, 0), optional=True, drop_penalty=1.0)
    near = Stop("near", (10, 0))
    sol = solved(planar([depot()], [Vehicle("v", "D")], [far, near]), engine)
    assert routes_of(sol) == {"v": ["near"]}
    assert [(u.stop_id, u.reason) for u in sol.unassigned] == [
        ("far", "dropped: cheaper to leave out than to serve (optional)")
    ]
    valuable = Stop("far", (10_000, 0), optional=True, drop_penalty=1_000.0)
    sol = solved(planar([depot()], [Vehicle("v", "D")], [valuable, near]), engine)
    assert not sol.unassigned


def test_required_stop_that_does_not_fit_is_dropped_with_capacity_time_reason():
    stops = [Stop(f"s{i}", (10 * i, 0), demand={"units": 6}) for i in range(1, 4)]
    sol = solved(planar([depot()], [Vehicle("v", "D", capacity={"units": 12})], stops))
    assert len(sol.routes[0].visits) == 2
    assert [u.reason for u in sol.unassigned] == ["dropped: not enough capacity/time"]


def test_pickup_before_delivery_on_the_same_vehicle_with_capacity():
    stops = [
        Stop("p1", (10, 0), demand={"units": 1}),
        Stop("d1", (10, 50)),
        Stop("p2", (12, 0), demand={"units": 1}),
        Stop("d2", (12, 50)),
    ]
    pairs = [PickupDelivery("p1", "d1"), PickupDelivery("p2", "d2")]
    vehicles = [Vehicle("v", "D", capacity={"units": 1}), Vehicle("w", "D", capacity={"units": 1})]
    sol = solved(planar([depot()], vehicles, stops, pairs=pairs))
    assert not sol.unassigned
    for ids in routes_of(sol).values():
        for p in pairs:
            if p.pickup in ids:
                assert ids.index(p.pickup) < ids.index(p.delivery)


def test_multiple_depots_serve_their_own_neighbourhood():
    depots = [Depot("west", (0, 0)), Depot("east", (1000, 0))]
    vehicles = [Vehicle("vw", "west"), Vehicle("ve", "east")]
    stops = [Stop("w1", (10, 5)), Stop("w2", (20, -5)), Stop("e1", (990, 5)), Stop("e2", (980, 0))]
    sol = solved(planar(depots, vehicles, stops))
    assert sorted(routes_of(sol)["vw"]) == ["w1", "w2"]
    assert sorted(routes_of(sol)["ve"]) == ["e1", "e2"]


def _waiting_problem(objective):
    # One vehicle can do both stops but waits ~8 minutes; two vehicles never wait.
    stops = [
        Stop("early", (10, 0), windows=(TimeWindow(10, 20),)),
        Stop("late", (-10, 0), windows=(TimeWindow(500, 510),)),
    ]
    vehicles = [Vehicle(f"v{k}", "D", cost_per_hour=3600.0) for k in range(2)]
    return planar([depot()], vehicles, stops, objective=objective)


def test_time_cost_alone_uses_two_vehicles_but_fixed_cost_minimises_vehicles():
    assert len(solved(_waiting_problem(Objective())).routes) == 2
    assert len(solved(_waiting_problem(Objective(minimise_vehicles=True))).routes) == 1


@pytest.mark.parametrize("limit_field", ["max_duration_s", "max_distance_m"])
def test_route_limits_force_a_second_vehicle(limit_field):
    stops = [Stop("a", (100, 0)), Stop("b", (-100, 0))]
    vehicles = [Vehicle(f"v{k}", "D", **{limit_field: 250}) for k in range(2)]
    problem = planar([depot()], vehicles, stops)
    assert tour_length(problem, ["a", "b"]) > 250
    sol = solved(problem)
    assert len(sol.routes) == 2 and not sol.unassigned
