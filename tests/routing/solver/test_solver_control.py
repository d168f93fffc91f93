"""Progress reporting and cancellation, for both engines and the portfolio."""

import random
import threading
import time

import pytest
from solver_testkit import depot, planar

from routing.solver import Stop, TimeWindow, Vehicle, check, solve


def random_problem(n: int, seed: int = 7):
    rng = random.Random(seed)
    stops = []
    for i in range(n):
        start = rng.randint(0, 3000)
        stops.append(
            Stop(
                f"s{i}",
                (rng.randint(-500, 500), rng.randint(-500, 500)),
                demand={"units": rng.randint(1, 10)},
                windows=(TimeWindow(start, start + 900),),
                service_s=60,
            )
        )
    vehicles = [Vehicle(f"v{k}", "D", capacity={"units": 100}) for k in range(n // 8)]
    return planar([depot()], vehicles, stops)


@pytest.mark.parametrize("engine", ["ortools", "pyvrp", "auto"])
def test_progress_reports_improving_costs_with_elapsed_time(engine):
    calls: list[tuple[float, float]] = []
    problem = random_problem(40)
    sol = solve(problem, 1.0, engine=engine, progress=lambda c, e: calls.append((c, e)))
    assert calls, "progress was never called"
    costs = [c for c, _ in calls]
    elapsed = [e for _, e in calls]
    assert costs == sorted(costs, reverse=True) and len(set(costs)) == len(costs)
    assert elapsed == sorted(elapsed) and elapsed[-1] <= 1.5
    assert costs[-1] >= sol.cost - 1e-6  # the last report is the plan returned (or worse)


@pytest.mark.parametrize("engine", ["ortools", "pyvrp", "auto"])
def test_cancel_event_stops_the_search_early_with_a_valid_plan(engine):
    problem = random_problem(120)
    cancel = threading.Event()
    threading.Timer(1.0, cancel.set).start()
    started = time.perf_counter()
    sol = solve(problem, 30.0, engine=engine, cancel_event=cancel)
    took = time.perf_counter() - started
    assert took < 6.0, f"cancel ignored: ran {took:.1f}s of 30s"
    assert check(problem, sol) == []


def test_cancel_before_start_returns_every_stop_unassigned_with_reason():
    problem = random_problem(16)
    cancel = threading.Event()
    cancel.set()
    sol = solve(problem, 5.0, engine="ortools", cancel_event=cancel)
    assert sol.routes == []
    assert {u.reason for u in sol.unassigned} == {"cancelled before a plan was found"}
    assert len(sol.unassigned) == 16
