"""VRPLIB reading (DIMACS convention), .sol writing and the bench command line."""

import shutil
from pathlib import Path

import pytest

from routing.solver import check, solve
from routing.solver.bench import main as bench_main
from routing.solver.vrplib_io import read_instance, write_solution

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "instances"


def test_solomon_instance_uses_dimacs_integers_scaled_by_ten():
    inst = read_instance(BENCH / "solomon" / "C101.vrp")
    p = inst.problem
    assert (len(p.stops), len(p.vehicles), inst.scale, inst.bks) == (100, 25, 10, 827.3)
    assert p.stops[0].id == "1" and p.stops[0].service_s == 900
    m = inst.provider.matrices(p.points)
    # Depot (40, 50) to customer 1 (45, 68): sqrt(349) = 18.68... -> 186 (truncated).
    assert m.distance_m[0, 1] == 186 and m.duration_s[0, 1] == 186


def test_bks_routes_score_exactly_the_bks_distance_under_our_checker():
    import vrplib

    inst = read_instance(BENCH / "solomon" / "R101.vrp")
    bks = vrplib.read_solution(str(BENCH / "solomon" / "R101.sol"))
    from routing.solver import Solution
    from routing.solver.schedule import timed_route

    m = inst.provider.matrices(inst.problem.points)
    routes = [
        timed_route(inst.problem, m, f"v{k + 1}", [str(c) for c in r])
        for k, r in enumerate(bks["routes"])
    ]
    sol = Solution(routes, [])
    assert check(inst.problem, sol, matrices=m) == []
    assert sol.distance_m / 10 == pytest.approx(bks["cost"])


def test_bench_prints_rows_and_writes_vrplib_solutions(tmp_path, capsys):
    no_bks = tmp_path / "MYC101.vrp"
    shutil.copy(BENCH / "solomon" / "C101.vrp", no_bks)
    out_dir = tmp_path / "sols"
    code = bench_main(
        [
            str(BENCH / "solomon" / "C101.vrp"),
            str(no_bks),
            "--time-limit",
            "1",
            "--write-solutions",
            str(out_dir),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0
    assert "C101" in text and "n/a" in text and "mean gap" in text
    sol = (out_dir / "C101.sol").read_text().splitlines()
    assert sol[0].startswith("Route #1: ") and sol[-1].startswith("Cost ")
    customers = [int(c) for line in sol[:-1] for c in line.split(":")[1].split()]
    assert sorted(customers) == list(range(1, 101))


def test_cvrp_instance_is_solved_feasibly():
    inst = read_instance(BENCH / "cvrplib" / "X" / "X-n101-k25.vrp")
    sol = solve(inst.problem, 1.0, provider=inst.provider)
    assert check(inst.problem, sol, provider=inst.provider) == []
    assert not sol.unassigned
    assert sol.distance_m < 1.1 * inst.bks


def test_write_solution_omits_empty_routes(tmp_path):
    from routing.solver import Route, Solution, Visit

    sol = Solution(
        [Route("v1", [Visit("3", 0, 0, 0), Visit("7", 0, 0, 0)], 0, 0, 123), Route("v2", [], 0, 0)],
        [],
    )
    write_solution(tmp_path / "x.sol", sol, scale=10)
    assert (tmp_path / "x.sol").read_text() == "Route #1: 3 7\nCost 12.3\n"
