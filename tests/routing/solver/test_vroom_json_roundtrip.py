"""VROOM input in, VROOM output out: plans keep every rule of the input (checked by VROOM's
rules), report VROOM's cost, and compare with pyvroom's own plans on the same input."""

import copy
import itertools
import json
import math
import random

import pytest
import vroom
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.solver.providers import HaversineProvider
from routing.solver.vroom_json import parse_input, plan_violations, solve_json

TIME_LIMIT_S = 0.5


def rich(seed: int, n_jobs: int = 10, n_shipments: int = 1) -> dict:
    """Two depots, a break, skills, jobs that deliver and pick up, windows and shipments."""
    rnd = random.Random(seed)
    points = [(rnd.uniform(0, 10_000), rnd.uniform(0, 10_000)) for _ in range(30)]
    distances = [[round(math.dist(a, b)) for b in points] for a in points]
    durations = [[round(d / 10) for d in row] for row in distances]
    jobs = []
    for k in range(n_jobs):
        job = {
            "id": 100 + k,
            "location_index": 2 + k,
            "service": 60,
            "delivery": [rnd.randint(0, 3)],
            "pickup": [rnd.randint(0, 2)],
        }
        if k % 3 == 0:
            start = rnd.randint(0, 3000)
            job["time_windows"] = [[start, start + 1500]]
        if k % 5 == 1:
            job["skills"] = [7]
        jobs.append(job)
    shipments = [
        {
            "pickup": {"id": 500 + s, "location_index": 20 + 2 * s, "service": 30},
            "delivery": {"id": 500 + s, "location_index": 21 + 2 * s, "service": 30},
            "amount": [2],
        }
        for s in range(n_shipments)
    ]
    vehicles = [
        {
            "id": 1,
            "start_index": 0,
            "end_index": 0,
            "capacity": [12],
            "skills": [7],
            "time_window": [0, 20_000],
            "breaks": [{"id": 9, "time_windows": [[1500, 2500]], "service": 300}],
        },
        {"id": 2, "start_index": 1, "end_index": 1, "capacity": [10], "time_window": [0, 20_000]},
    ]
    return {
        "vehicles": vehicles,
        "jobs": jobs,
        "shipments": shipments,
        "matrices": {"car": {"durations": durations, "distances": distances}},
    }


def recomputed(data: dict, route: dict) -> dict:
    """Travel, distance and VROOM's cost of a route from its steps and the input alone."""
    matrices = data["matrices"]["car"]
    vehicle = next(v for v in data["vehicles"] if v["id"] == route["vehicle"])
    places = [s["location_index"] for s in route["steps"] if "location_index" in s]
    legs = list(itertools.pairwise(places))
    travel = sum(matrices["durations"][a][b] for a, b in legs)
    distance = sum(matrices.get("distances", matrices["durations"])[a][b] for a, b in legs)
    costs = vehicle.get("costs", {})
    if "costs" in matrices:
        variable = sum(matrices["costs"][a][b] for a, b in legs)
    else:
        exact = (
            costs.get("per_hour", 3600) * travel / 3600 + costs.get("per_km", 0) * distance / 1000
        )
        variable = math.floor(exact + 0.5)
    return {"travel": travel, "distance": distance, "cost": costs.get("fixed", 0) + variable}


def task_steps(route: dict) -> list[dict]:
    return [s for s in route["steps"] if s["type"] in ("job", "pickup", "delivery")]


def assert_valid(data: dict, output: dict) -> None:
    assert plan_violations(parse_input(data), output) == []
    for route in output["routes"]:
        again = recomputed(data, route)
        assert route["duration"] == again["travel"]
        assert route["cost"] == again["cost"]
    assert output["summary"]["cost"] == sum(r["cost"] for r in output["routes"])


def test_rich_problem_round_trip_keeps_every_rule():
    data = rich(1)
    output = solve_json(data, TIME_LIMIT_S)
    assert output["code"] == 0
    assert_valid(data, output)
    assert output["unassigned"] == []
    routes = {r["vehicle"]: r for r in output["routes"]}
    # Both depots are used, each route returns where it started.
    assert {r["steps"][0]["location_index"] for r in routes.values()} == {0, 1}
    for route in routes.values():
        assert route["steps"][0]["location_index"] == route["steps"][-1]["location_index"]
    # Skilled jobs ride the vehicle with skill 7; its break is taken inside its window.
    skilled = {j["id"] for j in data["jobs"] if "skills" in j}
    assert skilled <= {s["id"] for s in task_steps(routes[1]) if s["type"] == "job"}
    (pause,) = [s for s in routes[1]["steps"] if s["type"] == "break"]
    assert pause["id"] == 9 and pause["service"] == 300
    assert 1500 <= pause["arrival"] + pause["waiting_time"] <= 2500
    # The shipment is picked up, then delivered, by one vehicle.
    order = [
        (r["vehicle"], s["type"], k) for r in routes.values() for k, s in enumerate(r["steps"])
    ]
    (pickup,) = [o for o in order if o[1] == "pickup"]
    (delivery,) = [o for o in order if o[1] == "delivery"]
    assert pickup[0] == delivery[0] and pickup[2] < delivery[2]
    # Loads: deliveries leave the depot on board, pickups come back.
    for route in routes.values():
        jobs = {j["id"]: j for j in data["jobs"]}
        on_board = sum(
            jobs[s["id"]]["delivery"][0] for s in task_steps(route) if s["type"] == "job"
        )
        assert route["steps"][0]["load"] == [on_board]
        picked = sum(jobs[s["id"]]["pickup"][0] for s in task_steps(route) if s["type"] == "job")
        assert route["steps"][-1]["load"] == [picked]
        assert route["pickup"] == [picked + 2 * (route["vehicle"] == pickup[0])]


def test_output_has_vroom_shape():
    data = rich(2)
    output = solve_json(data, TIME_LIMIT_S)
    assert list(output) == ["code", "summary", "unassigned", "routes"]
    summary_keys = {"cost", "routes", "unassigned", "delivery", "amount", "pickup", "setup"}
    summary_keys |= {"service", "duration", "waiting_time", "priority", "distance"}
    assert summary_keys | {"violations", "computing_times"} == set(output["summary"])
    assert set(output["summary"]["computing_times"]) == {"loading", "solving", "routing"}
    route = output["routes"][0]
    assert {"vehicle", "cost", "delivery", "pickup", "amount", "service", "duration"} <= set(route)
    assert {"waiting_time", "priority", "distance", "steps", "setup"} <= set(route)
    for step in route["steps"]:
        assert {"type", "arrival", "duration", "service", "waiting_time", "load"} <= set(step)
        assert "distance" in step
        assert ("id" in step) == (step["type"] != "start" and step["type"] != "end")
    json.dumps(output)  # plain JSON types only


def test_unservable_task_is_unassigned_with_vroom_keys():
    data = rich(3)
    data["jobs"][0]["skills"] = [42]  # no vehicle has it
    data["jobs"][0]["description"] = "fridge"
    output = solve_json(data, TIME_LIMIT_S)
    assert_valid(data, output)
    (gone,) = output["unassigned"]
    assert gone["id"] == 100 and gone["type"] == "job" and gone["location_index"] == 2
    assert gone["description"] == "fridge" and "42" in gone["reason"]


def small(**vehicle) -> dict:
    durations = [[0, 100, 200], [100, 0, 150], [200, 150, 0]]
    return {
        "vehicles": [{"id": 7, "start_index": 0, "end_index": 0, **vehicle}],
        "jobs": [{"id": 1, "location_index": 1}, {"id": 2, "location_index": 2}],
        "matrices": {
            "car": {
                "durations": durations,
                "distances": [[0, 1000, 2500], [1000, 0, 1800], [2500, 1800, 0]],
            }
        },
    }


def test_cost_is_travel_time_without_vehicle_costs():
    data = small()
    del data["matrices"]["car"]["distances"]
    output = solve_json(data, 0.2)
    (route,) = output["routes"]
    assert route["duration"] == 450 and route["cost"] == 450
    assert output["summary"]["cost"] == 450
    assert "distance" not in route and "distance" not in output["summary"]


def test_cost_with_vehicle_costs_follows_vroom_rounding():
    data = small(costs={"fixed": 25, "per_hour": 1000, "per_km": 3})
    output = solve_json(data, 0.2)
    (route,) = output["routes"]
    assert route["duration"] == 450 and route["distance"] == 5300
    # 25 + round(1000 * 450 / 3600 + 3 * 5300 / 1000) = 25 + round(125 + 15.9) = 166
    assert route["cost"] == 166
    assert_valid(data, output)


def test_cost_from_custom_costs_matrix():
    data = small()
    data["matrices"]["car"]["costs"] = [[0, 7, 9], [7, 0, 4], [9, 4, 0]]
    data["vehicles"][0]["costs"] = {"fixed": 3}
    output = solve_json(data, 0.2)
    assert output["routes"][0]["cost"] == 3 + 7 + 4 + 9
    assert_valid(data, output)


def test_cost_per_task_hour_counts_service():
    data = small(costs={"per_task_hour": 360})
    data["jobs"][0]["service"] = 50
    output = solve_json(data, 0.2)
    # 450 s of travel at the default 3600/h, 50 s of service at 360/h (truncated: 5).
    assert output["routes"][0]["cost"] == 455


def test_fixed_cost_steers_work_to_the_cheaper_vehicle():
    data = small()
    data["vehicles"] = [
        {"id": 1, "start_index": 0, "end_index": 0, "costs": {"fixed": 10_000}},
        {"id": 2, "start_index": 0, "end_index": 0, "costs": {"fixed": 10}},
    ]
    output = solve_json(data, 0.3)
    assert [r["vehicle"] for r in output["routes"]] == [2]
    assert output["summary"]["cost"] == 10 + 450


def test_open_route_ends_at_its_last_task():
    data = small()
    output = solve_json(data, 0.2)
    closed = output["routes"][0]["duration"]
    del data["vehicles"][0]["end_index"]
    output = solve_json(data, 0.2)
    (route,) = output["routes"]
    assert route["steps"][-1]["location_index"] == route["steps"][-2]["location_index"]
    assert route["duration"] == 250 < closed
    assert_valid(data, output)


def test_higher_priority_wins_when_not_all_fit():
    data = small(capacity=[1])
    data["jobs"][0] |= {"delivery": [1]}
    data["jobs"][1] |= {"delivery": [1], "priority": 10}
    output = solve_json(data, 0.3)
    assert [s["id"] for s in task_steps(output["routes"][0])] == [2]
    assert [u["id"] for u in output["unassigned"]] == [1]


def test_max_tasks_is_honoured():
    data = rich(4, n_shipments=0)
    for vehicle in data["vehicles"]:
        vehicle["max_tasks"] = 3
        vehicle.pop("breaks", None)
    output = solve_json(data, TIME_LIMIT_S)
    assert_valid(data, output)
    assert all(len(task_steps(r)) <= 3 for r in output["routes"])
    assert output["summary"]["unassigned"] == len(data["jobs"]) - 6


def test_absolute_timestamps_are_kept():
    day = 1_767_225_600  # VROOM has no day origin: times are whatever the caller uses
    data = small(time_window=[day, day + 8 * 3600])
    data["jobs"][1]["time_windows"] = [[day + 3600, day + 3700]]
    output = solve_json(data, 0.2)
    steps = {s["type"] + str(s.get("id", "")): s for s in output["routes"][0]["steps"]}
    assert day <= steps["start"]["arrival"]
    assert day + 3600 <= steps["job2"]["arrival"] + steps["job2"]["waiting_time"] <= day + 3700
    assert_valid(data, output)


def test_coordinates_without_matrices_use_haversine():
    data = {
        "vehicles": [{"id": 1, "start": [2.3522, 48.8566], "end": [2.3522, 48.8566]}],
        "jobs": [
            {"id": 1, "location": [2.2945, 48.8584]},
            {"id": 2, "location": [2.3499, 48.8530]},
        ],
    }
    output = solve_json(data, 0.2)
    (route,) = output["routes"]
    points = [(48.8566, 2.3522), (48.8584, 2.2945), (48.8530, 2.3499)]
    m = HaversineProvider().matrices(points, 0)
    expected = int(m.distance_m[0, 1] + m.distance_m[1, 2] + m.distance_m[2, 0])
    assert route["distance"] == expected
    assert route["steps"][1]["location"] in ([2.2945, 48.8584], [2.3499, 48.853])
    assert route["cost"] == route["duration"]


def test_speed_factor_scales_travel_times():
    data = small()
    output = solve_json(data, 0.2)
    data["vehicles"][0]["speed_factor"] = 2.0
    faster = solve_json(data, 0.2)
    assert faster["routes"][0]["duration"] == output["routes"][0]["duration"] // 2


def test_mixed_vehicle_rates_are_priced_by_vroom_rule():
    data = rich(5)
    data["vehicles"][0]["costs"] = {"fixed": 500, "per_km": 4}
    data["vehicles"][1]["costs"] = {"per_hour": 1800, "per_km": 1}
    output = solve_json(data, TIME_LIMIT_S)
    assert_valid(data, output)


def vroom_solve(data: dict, tmp_path) -> dict:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data))
    return vroom.Input.from_json(path).solve(exploration_level=5, nb_threads=1).to_dict()


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_plans_are_comparable_with_vroom(seed, tmp_path):
    data = rich(seed)
    theirs = vroom_solve(copy.deepcopy(data), tmp_path)
    # The VROOM-rules check accepts VROOM's own plans, so it is not tailored to ours.
    assert plan_violations(parse_input(data), theirs) == []
    ours = solve_json(data, 1.0)
    assert_valid(data, ours)
    assert ours["summary"]["unassigned"] <= theirs["summary"]["unassigned"]
    # Comparable, not equal: a second of search on a shared machine (measured on seeds 11-20:
    # 0.93-1.08 x VROOM's cost, never more tasks left out).
    assert ours["summary"]["cost"] <= 1.5 * theirs["summary"]["cost"]


def test_check_catches_a_broken_plan(tmp_path):
    data = rich(11)
    plan = vroom_solve(copy.deepcopy(data), tmp_path)
    vp = parse_input(data)
    late = copy.deepcopy(plan)
    step = next(s for s in late["routes"][0]["steps"] if s["type"] == "job")
    step["arrival"] -= 1
    assert any("faster than the travel time" in v for v in plan_violations(vp, late))
    dearer = copy.deepcopy(plan)
    dearer["routes"][0]["cost"] += 1
    assert any("VROOM's rule" in v for v in plan_violations(vp, dearer))
    lost = copy.deepcopy(plan)
    lost["routes"][0]["steps"] = [s for s in lost["routes"][0]["steps"] if s["type"] != "break"]
    assert any("breaks taken" in v for v in plan_violations(vp, lost))


def test_route_starts_late_enough_to_avoid_waiting():
    data = small(time_window=[0, 100_000])
    data["jobs"][1]["time_windows"] = [[5000, 5100]]
    output = solve_json(data, 0.2)
    (route,) = output["routes"]
    assert route["waiting_time"] == 0
    first = task_steps(route)[0]
    assert route["steps"][0]["arrival"] == first["arrival"] - first["duration"]
    assert_valid(data, output)


def test_break_on_the_road_splits_its_leg():
    data = {
        "vehicles": [
            {
                "id": 1,
                "start_index": 0,
                "end_index": 0,
                "time_window": [0, 10_000],
                "breaks": [{"id": 5, "time_windows": [[400, 500]], "service": 100}],
            }
        ],
        "jobs": [{"id": 1, "location_index": 1, "time_windows": [[1000, 1200]]}],
        "matrices": {
            "car": {"durations": [[0, 1000], [1000, 0]], "distances": [[0, 10_000], [10_000, 0]]}
        },
    }
    output = solve_json(data, 0.2)
    kinds = [(s["type"], s["arrival"], s["waiting_time"]) for s in output["routes"][0]["steps"]]
    assert kinds == [("start", 0, 0), ("break", 400, 0), ("job", 1100, 0), ("end", 2100, 0)]
    pause = output["routes"][0]["steps"][1]
    assert pause["duration"] == 400 and pause["distance"] == 4000  # pro rata, like VROOM
    assert output["routes"][0]["service"] == 100  # VROOM counts breaks as service
    assert_valid(data, output)


def test_time_limit_can_come_from_the_input_options():
    data = small()
    data["options"] = {"time_limit": 0.2}
    assert parse_input(data).time_limit_s == 0.2
    assert solve_json(data)["summary"]["routes"] == 1


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 10_000),
    n_jobs=st.integers(1, 9),
    n_shipments=st.integers(0, 2),
    open_end=st.booleans(),
    costs=st.sampled_from([None, {"fixed": 50, "per_km": 2}, {"per_hour": 1800, "per_km": 1}]),
)
def test_random_problems_always_get_valid_plans(seed, n_jobs, n_shipments, open_end, costs):
    data = rich(seed, n_jobs=n_jobs, n_shipments=n_shipments)
    if open_end:
        del data["vehicles"][1]["end_index"]
    if costs:
        data["vehicles"][0]["costs"] = costs
    output = solve_json(data, 0.2)  # a plan breaking a rule would raise PlanInvalid
    assert_valid(data, output)
    planned = sum(len(task_steps(r)) for r in output["routes"])
    assert planned + output["summary"]["unassigned"] == n_jobs + 2 * n_shipments


def test_setups_and_task_costs_are_priced_like_vroom(tmp_path):
    data = rich(21)
    for k, job in enumerate(data["jobs"]):
        job["setup"] = 90
        if k % 2:  # VROOM skips the setup after a task at the same place
            job["location_index"] = data["jobs"][k - 1]["location_index"]
    for vehicle in data["vehicles"]:
        vehicle["costs"] = {"per_task_hour": 600}
    theirs = vroom_solve(copy.deepcopy(data), tmp_path)
    assert plan_violations(parse_input(data), theirs) == []  # VROOM's own costs agree with ours
    ours = solve_json(data, 0.5)
    assert plan_violations(parse_input(data), ours) == []
    for route in ours["routes"]:
        jobs = [s for s in task_steps(route) if s["type"] == "job"]
        assert route["setup"] == 90 * len(jobs)
        work = route["setup"] + route["service"]  # breaks count as service, as in VROOM
        assert route["cost"] == route["duration"] + work * 600 // 3600
