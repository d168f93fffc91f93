"""Splitting large problems: parts partition stops and vehicles, keep pairs and locks
together, and merged part solutions form a valid plan for the whole problem."""

import random

from solver_testkit import planar

from routing.solver import Depot, PickupDelivery, Stop, Vehicle, check, solve
from routing.solver.split import merge_solutions, split_problem


def two_depot_problem(n=60, seed=3):
    rng = random.Random(seed)
    depots = [Depot("west", (0, 0)), Depot("east", (1000, 0))]
    stops = [
        Stop(f"s{i}", (rng.choice([0, 1000]) + rng.randint(-200, 200), rng.randint(-200, 200)))
        for i in range(n)
    ]
    vehicles = [Vehicle(f"v{k}", "west" if k % 2 else "east") for k in range(8)]
    return planar(depots, vehicles, stops, pairs=[PickupDelivery("s0", "s1")])


def test_parts_partition_stops_and_vehicles_within_size():
    problem = two_depot_problem()
    parts = split_problem(problem, 12)
    stop_ids = [s.id for p in parts for s in p.stops]
    vehicle_ids = [v.id for p in parts for v in p.vehicles]
    assert sorted(stop_ids) == sorted(s.id for s in problem.stops)
    assert sorted(vehicle_ids) == sorted(v.id for v in problem.vehicles)
    assert len(parts) >= 5
    assert max(len(p.stops) for p in parts) <= 13  # a pair partner may join a full part
    for part in parts:
        assert part.vehicles, "every part needs a vehicle"
        depot_of = {v.start_depot for v in part.vehicles}
        assert len(depot_of) == 1  # split by depot first
        assert part.matrices.distance_m.shape == (2 + len(part.stops),) * 2


def test_pairs_and_locked_stops_stay_with_their_partner_and_vehicle():
    problem = two_depot_problem()
    problem.stops[5] = Stop("s5", problem.stops[5].location, locked_vehicle="v3")
    parts = split_problem(problem, 10)
    part_of = {s.id: k for k, p in enumerate(parts) for s in p.stops}
    vehicle_part = {v.id: k for k, p in enumerate(parts) for v in p.vehicles}
    assert part_of["s0"] == part_of["s1"]
    assert part_of["s5"] == vehicle_part["v3"]
    assert [p.pickup for p in parts[part_of["s0"]].pairs] == ["s0"]


def test_small_problem_is_not_split():
    problem = two_depot_problem(n=10)
    assert split_problem(problem, 50) == [problem]


def test_merged_part_solutions_are_valid_for_the_whole_problem():
    problem = two_depot_problem()
    parts = [solve(p, 0.2) for p in split_problem(problem, 15)]
    merged = merge_solutions(problem, parts)
    assert check(problem, merged) == []
    assert merged.engine.startswith("split[")


def test_solve_with_split_above_returns_an_improved_valid_plan():
    problem = two_depot_problem()
    sol = solve(problem, 2.0, split_above=20)
    assert check(problem, sol) == []
    assert sol.stats["parts"] >= 3
    assert not sol.unassigned
