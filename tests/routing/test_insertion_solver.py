"""The pure insertion search (routing.solver.insertion): no database."""

from __future__ import annotations

import random
import time

import pytest

from routing.solver import Break, Depot, Problem, Stop, TimeWindow, Vehicle
from routing.solver.checker import _check_route
from routing.solver.costs import vehicle_rates
from routing.solver.insertion import (
    NO_BREAK_ROOM,
    NO_CAPACITY,
    NO_POSITION,
    SHIFT_EXCEEDED,
    SKILL_MISSING,
    WINDOW_UNREACHABLE,
    best_insertion,
)
from routing.solver.providers import euclidean_matrices
from routing.solver.schedule import timed_route


def planar(stops, vehicle=None, **kw) -> Problem:
    vehicle = vehicle or Vehicle("V", "D", capacity={"units": 100}, cost_per_km=1000.0)
    problem = Problem([Depot("D", (0, 0))], [vehicle], stops, **kw)
    problem.matrices = euclidean_matrices(list(problem.points))
    return problem


def brute_force(problem: Problem, sequence: list[str], candidate: str, first: int = 0):
    """(cost units, position) of the cheapest position that passes the checker, by timing every
    position and costing it from the vehicle's rates, independently of the search."""
    vehicle = problem.vehicles[0]
    rates = vehicle_rates(problem, vehicle)
    base = timed_route(problem, problem.matrices, vehicle.id, sequence)
    base_units = rates.per_metre * base.distance_m + rates.per_second * (base.end_s - base.start_s)
    best = None
    for pos in range(first, len(sequence) + 1):
        ids = [*sequence[:pos], candidate, *sequence[pos:]]
        route = timed_route(problem, problem.matrices, vehicle.id, ids)
        if _check_route(problem, problem.matrices, route):
            continue
        units = (
            rates.per_metre * route.distance_m
            + rates.per_second * (route.end_s - route.start_s)
            - base_units
        )
        if best is None or units < best[0]:
            best = (units, pos)
    return best


@pytest.mark.parametrize("seed", range(16))
def test_best_position_is_the_brute_force_optimum_on_small_routes(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 6)
    points = [(rng.randint(-100, 100), rng.randint(-100, 100)) for _ in range(n + 1)]
    vehicle = Vehicle(
        "V",
        "D",
        capacity={"units": rng.randint(60, 160)},
        cost_per_km=rng.choice([0.0, 1000.0]),
        cost_per_hour=rng.choice([0.0, 3600.0]),
        shift=TimeWindow(0, 3000),
        breaks=(Break(100, 400, 60),) if rng.random() < 0.5 else (),
    )
    sequence = [f"S{k}" for k in range(n)]
    loose = planar([Stop(f"S{k}", points[k]) for k in range(n)], vehicle)
    timed = timed_route(loose, loose.matrices, "V", sequence)
    stops = []
    # Windows around the current schedule keep the sequence itself feasible; the candidate's
    # are random, so some positions (or all) break a window.
    for k, visit in enumerate(timed.visits):
        slack = rng.randint(0, 150)
        windows = (TimeWindow(max(0, visit.start_s - slack), visit.start_s + slack),)
        stops.append(
            Stop(
                f"S{k}",
                points[k],
                demand={"units": rng.randint(1, 12)},
                pickup={"units": rng.randint(0, 10)} if rng.random() < 0.3 else {},
                windows=windows if rng.random() < 0.6 else (),
            )
        )
    start = rng.randint(0, 400)
    stops.append(
        Stop(
            "N",
            points[n],
            demand={"units": rng.randint(1, 60)},
            windows=(TimeWindow(start, start + rng.randint(30, 400)),)
            if rng.random() < 0.6
            else (),
            service_s=rng.randint(0, 30),
        )
    )
    problem = planar(stops, vehicle)
    base = timed_route(problem, problem.matrices, "V", sequence)
    assert not _check_route(problem, problem.matrices, base)
    found = best_insertion(problem, problem.matrices, "V", sequence, "N")
    expected = brute_force(problem, sequence, "N")
    if expected is None:
        assert not found.feasible and found.reason
    else:
        assert found.feasible
        assert (found.cost_units, found.position) == expected


def test_the_cheapest_detour_is_chosen_and_costed_like_the_optimiser():
    # Out to A, up to B, straight back: N beside the A-B leg costs a 2 m detour there.
    stops = [Stop("A", (100, 0)), Stop("B", (100, 100)), Stop("N", (110, 50))]
    problem = planar(stops)
    found = best_insertion(problem, problem.matrices, "V", ["A", "B"], "N")
    assert found.feasible and found.position == 1
    assert found.sequence == ["A", "N", "B"]
    detour = 2 * round((50**2 + 10**2) ** 0.5) - 100
    assert found.added_distance_m == detour
    assert found.cost == pytest.approx(detour * 1000 / 1000)


def test_done_stops_are_never_passed():
    stops = [Stop("A", (100, 0)), Stop("B", (200, 0)), Stop("N", (1, 0))]
    problem = planar(stops, completed={"V": ["A"]})
    found = best_insertion(problem, problem.matrices, "V", ["A", "B"], "N", keep_positions=True)
    assert found.feasible and found.position >= 1
    assert [c.position for c in found.positions] == [1, 2]
    assert found.sequence[0] == "A"
    everything_done = planar(stops, completed={"V": ["A", "B"]})
    at_end = best_insertion(everything_done, everything_done.matrices, "V", ["A", "B"], "N")
    assert at_end.position == 2
    none_left = best_insertion(
        everything_done, everything_done.matrices, "V", ["A", "B"], "N", first_position=3
    )
    assert not none_left.feasible and none_left.reason == NO_POSITION


def test_skill_missing_is_the_reason():
    problem = planar([Stop("A", (10, 0)), Stop("N", (20, 0), skills=frozenset({"frozen"}))])
    found = best_insertion(problem, problem.matrices, "V", ["A"], "N")
    assert not found.feasible and found.reason == SKILL_MISSING
    assert "frozen" in found.message


def test_no_capacity_counts_pickups_on_board():
    vehicle = Vehicle("V", "D", capacity={"units": 10})
    # A delivers 5 and picks up 5: the van is full from A on, so N fits only before A.
    stops = [
        Stop("A", (10, 0), demand={"units": 5}, pickup={"units": 5}),
        Stop("N", (20, 0), demand={"units": 5}),
        Stop("P", (20, 0), pickup={"units": 6}),
    ]
    problem = planar(stops, vehicle)
    fits = best_insertion(problem, problem.matrices, "V", ["A"], "N")
    assert fits.feasible
    full = best_insertion(problem, problem.matrices, "V", ["A", "N"], "P")
    assert not full.feasible and full.reason == NO_CAPACITY


def test_window_unreachable_is_the_reason():
    problem = planar([Stop("A", (100, 0)), Stop("N", (500, 0), windows=(TimeWindow(0, 50),))])
    found = best_insertion(problem, problem.matrices, "V", ["A"], "N")
    assert not found.feasible and found.reason == WINDOW_UNREACHABLE


def test_shift_end_is_the_reason():
    vehicle = Vehicle("V", "D", shift=TimeWindow(0, 500))
    problem = planar([Stop("A", (100, 0)), Stop("N", (-200, 0))], vehicle)
    found = best_insertion(problem, problem.matrices, "V", ["A"], "N")
    assert not found.feasible and found.reason == SHIFT_EXCEEDED


def test_the_drivers_break_must_still_fit():
    # A 300 s break due in [100, 150]; service of 400 s at N would cover the whole window.
    vehicle = Vehicle("V", "D", breaks=(Break(100, 150, 300),), shift=TimeWindow(0, 5000))
    stops = [Stop("A", (10, 0)), Stop("N", (20, 0), service_s=400, windows=(TimeWindow(0, 30),))]
    problem = planar(stops, vehicle)
    found = best_insertion(problem, problem.matrices, "V", ["A"], "N")
    assert not found.feasible and found.reason == NO_BREAK_ROOM
    # Without the window the break goes before N and it fits.
    free = planar([stops[0], Stop("N", (20, 0), service_s=400)], vehicle)
    ok = best_insertion(free, free.matrices, "V", ["A"], "N")
    assert ok.feasible and len(ok.after.breaks) == 1


def test_a_route_already_late_still_takes_a_stop_that_makes_nothing_worse():
    stops = [Stop("A", (300, 0), windows=(TimeWindow(0, 10),)), Stop("N", (5, 0))]
    problem = planar(stops)
    found = best_insertion(problem, problem.matrices, "V", ["A"], "N")
    assert found.feasible


def test_thirty_stops_are_searched_well_within_the_preview_budget():
    rng = random.Random(7)
    stops = [
        Stop(
            f"S{k}",
            (rng.randint(-5000, 5000), rng.randint(-5000, 5000)),
            demand={"units": 1},
            service_s=120,
        )
        for k in range(31)
    ]
    vehicle = Vehicle(
        "V",
        "D",
        capacity={"units": 100},
        cost_per_km=1.0,
        cost_per_hour=20.0,
        shift=TimeWindow(0, 10**6),
        breaks=(Break(3600, 7200, 1800),),
    )
    problem = planar(stops, vehicle)
    ids = [s.id for s in stops[:30]]
    # CPU time, not wall time: the machine running the suite is shared. About 30 ms when idle.
    started = time.process_time()
    found = best_insertion(problem, problem.matrices, "V", ids, "S30")
    elapsed = time.process_time() - started
    assert found.feasible
    assert elapsed < 0.5, elapsed


def test_positions_cover_every_gap_after_the_done_stops():
    stops = [Stop(c, (10 * k, 0)) for k, c in enumerate("ABCD", start=1)] + [Stop("N", (0, 5))]
    problem = planar(stops, completed={"V": ["A"]})
    found = best_insertion(problem, problem.matrices, "V", list("ABCD"), "N", keep_positions=True)
    assert [c.position for c in found.positions] == [1, 2, 3, 4]
    assert all(c.feasible for c in found.positions)
    assert found.cost_units == min(c.cost_units for c in found.positions)
    assert found.sequence.count("N") == 1
