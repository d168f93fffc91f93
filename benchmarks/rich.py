"""Rich problems, ours against plain VROOM side by side:
`python benchmarks/rich.py [--sizes 100 200 300 400 1000] [--seeds 1 2 3] [--json OUT]`.

Seeded instances of our own: two depots, a mixed fleet (small and large vans, two capacity
dimensions), skills on 40 % of the vans and 25 % of the stops, one 45-minute break per
driver inside a two-hour window, time windows (a tenth of the stops with two), 10 % of the
stops collecting a return (half of them also delivering). Distances from the default
haversine provider around a city centre; every vehicle costs 1 per km and nothing else, so
the objective both solvers minimise is the total distance.

Per instance, `routing.solver.solve` (ours) and plain VROOM (pyvroom, exploration level 5,
2 threads, the same wall-clock limit: 10 s up to 400 stops, 60 s at 1,000) run one after
the other in this process; VROOM gets exactly the vroom.Input our VROOM engine builds (same
matrices, fleet, skills, breaks, windows, amounts and costs). Both plans go through our
independent checker.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routing.solver import (
    Break,
    Depot,
    Problem,
    Solution,
    Stop,
    TimeWindow,
    Vehicle,
    check,
    solve,
)
from routing.solver.prepare import prepare
from routing.solver.providers import HaversineProvider
from routing.solver.vroom_engine import build_input, read_solution
from routing.solver.vroom_engine import run as run_vroom

CENTRE = (48.8566, 2.3522)  # lat, lon
KM_LAT = 1 / 110.574
KM_LON = 1 / (111.320 * math.cos(math.radians(CENTRE[0])))
H = 3600
SMALL = {"weight": 800, "volume": 6000}  # kg, litres
LARGE = {"weight": 1500, "volume": 12000}
SKILLS = ("cold", "tail_lift")


def _point(dx_km: float, dy_km: float) -> tuple[float, float]:
    return (round(CENTRE[0] + dy_km * KM_LAT, 6), round(CENTRE[1] + dx_km * KM_LON, 6))


def rich_problem(n: int, seed: int) -> Problem:
    """A seeded rich instance with `n` stops (see the module docstring)."""
    rng = random.Random(seed * 100_003 + n)
    depots = [
        Depot("west", _point(-7, 1), TimeWindow(6 * H, 21 * H)),
        Depot("east", _point(8, -2), TimeWindow(6 * H, 21 * H)),
    ]
    # A few dense neighbourhoods plus scattered addresses, within ~18 km of the centre.
    hubs = [(rng.uniform(-12, 12), rng.uniform(-12, 12)) for _ in range(6)]
    stops = []
    for i in range(n):
        if rng.random() < 0.6:
            hx, hy = rng.choice(hubs)
            x, y = hx + rng.gauss(0, 2.0), hy + rng.gauss(0, 2.0)
        else:
            r, a = 18 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
            x, y = r * math.cos(a), r * math.sin(a)
        u = rng.random()
        if u < 0.1:  # two windows: a morning and an afternoon slot
            a = rng.randint(8, 10)
            b = rng.randint(13, 15)
            windows = (TimeWindow(a * H, (a + 2) * H), TimeWindow(b * H, (b + 2) * H))
        elif u < 0.75:
            a = rng.randint(8 * 2, 15 * 2) * H // 2
            windows = (TimeWindow(a, a + rng.choice((2, 3)) * H),)
        else:
            windows = ()
        weight = rng.randint(5, 150)
        demand = {"weight": weight, "volume": weight * rng.randint(4, 10)}
        pickup = {}
        v = rng.random()
        if v < 0.1:
            back = rng.randint(10, 100)
            pickup = {"weight": back, "volume": back * rng.randint(4, 10)}
            if v < 0.05:  # a pure collection: nothing to deliver
                demand = {}
        skill = rng.random()
        skills = frozenset()
        if skill < 0.25:
            skills = frozenset({SKILLS[0] if skill < 0.15 else SKILLS[1]})
        stops.append(
            Stop(
                f"s{i + 1}",
                _point(x, y),
                demand=demand,
                pickup=pickup,
                windows=windows,
                service_s=rng.randint(3, 10) * 60,
                skills=skills,
            )
        )
    vehicles = []
    fleet = math.ceil(n / 11) + 1
    # 40 % of the vans carry a skill (cold three times out of five), spread over both depots.
    skilled = max(2, round(0.4 * fleet))
    kinds = [SKILLS[0] if 5 * j < 3 * skilled else SKILLS[1] for j in range(skilled)]
    kinds = [frozenset({k}) for k in kinds] + [frozenset()] * (fleet - skilled)
    rng.shuffle(kinds)
    for k in range(fleet):
        home = depots[k % 2].id
        start = rng.choice((7, 8, 8, 9)) * H
        skills = kinds[k]
        vehicles.append(
            Vehicle(
                f"v{k + 1}",
                home,
                shift=TimeWindow(start, start + 9 * H),
                capacity=dict(LARGE if rng.random() < 0.5 else SMALL),
                cost_per_km=1.0,
                skills=skills,
                breaks=(Break(start + 3 * H + H // 2, start + 5 * H + H // 2, 45 * 60),),
            )
        )
    problem = Problem(depots, vehicles, stops, name=f"rich{n}-{seed}")
    depart = min(v.shift.start_s for v in vehicles)
    problem.matrices = HaversineProvider().matrices(problem.points, depart)
    return problem


def plain_vroom(problem: Problem, limit_s: float, searches: int | None = None) -> Solution:
    """VROOM as it comes: exploration level 5 (or `searches` starts), 2 threads, timeout =
    what is left of the wall limit after building its input."""
    started = time.perf_counter()
    prepared = prepare(problem, limit_s)
    inp = build_input(prepared)
    left = limit_s - (time.perf_counter() - started)
    rows, cost = run_vroom(inp, left, 2, searches)
    res = read_solution(prepared, rows, cost)
    sol = Solution(res.routes, prepared.unassigned + res.unassigned, engine="vroom")
    sol.elapsed_s = time.perf_counter() - started
    return sol


def limit_for(n: int) -> float:
    return 10.0 if n <= 400 else 60.0


def run_instance(n: int, seed: int, tuned: bool) -> dict:
    problem = rich_problem(n, seed)
    limit = limit_for(n)
    ours = solve(problem, limit)
    ours_ok = not check(problem, ours)
    theirs = plain_vroom(problem, limit)
    theirs_ok = not check(problem, theirs)
    row = {
        "instance": problem.name,
        "stops": n,
        "limit_s": limit,
        "ours_km": ours.distance_m / 1000,
        "vroom_km": theirs.distance_m / 1000,
        "gap_pct": (ours.distance_m - theirs.distance_m) / theirs.distance_m * 100,
        "ours_unassigned": len(ours.unassigned),
        "vroom_unassigned": len(theirs.unassigned),
        "engine": ours.engine,
        "ours_ok": ours_ok,
        "vroom_ok": theirs_ok,
        "ours_wall_s": round(ours.elapsed_s, 1),
        "vroom_wall_s": round(theirs.elapsed_s, 1),
    }
    if tuned:
        from routing.solver.rich_portfolio import searches_for

        best = plain_vroom(problem, limit, searches=searches_for(n, limit))
        row["vroom_tuned_km"] = best.distance_m / 1000
        row["vroom_tuned_unassigned"] = len(best.unassigned)
    return row


def _print_row(row: dict) -> None:
    tuned = ""
    if "vroom_tuned_km" in row:
        tuned = f"{row['vroom_tuned_km']:>10.1f}{row['vroom_tuned_unassigned']:>4}"
    print(
        f"{row['instance']:<13}{row['stops']:>6}{row['ours_km']:>10.1f}{row['vroom_km']:>10.1f}"
        f"{row['gap_pct']:>8.2f}{row['ours_unassigned']:>5} /{row['vroom_unassigned']:>3}"
        f"{'yes' if row['ours_ok'] else 'NO':>5} /{'yes' if row['vroom_ok'] else 'NO':>4}"
        f"{row['ours_wall_s']:>7.1f}{row['vroom_wall_s']:>7.1f}{tuned}  {row['engine']}",
        flush=True,
    )


def _totals(rows: list[dict], label: str) -> None:
    if not rows:
        return
    ours = sum(r["ours_km"] for r in rows)
    theirs = sum(r["vroom_km"] for r in rows)
    worst = max(r["gap_pct"] for r in rows)
    print(
        f"{label}: ours {ours:.1f} km, VROOM {theirs:.1f} km, total gap "
        f"{(ours - theirs) / theirs * 100:+.2f} %, worst instance {worst:+.2f} %; unassigned "
        f"{sum(r['ours_unassigned'] for r in rows)} / {sum(r['vroom_unassigned'] for r in rows)}"
        f"; fewer served than VROOM on "
        f"{sum(r['ours_unassigned'] > r['vroom_unassigned'] for r in rows)}; checker accepted "
        f"{sum(r['ours_ok'] for r in rows)}/{len(rows)} ours, "
        f"{sum(r['vroom_ok'] for r in rows)}/{len(rows)} VROOM",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 200, 300, 400, 1000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--tuned", action="store_true", help="also VROOM with fewer starts")
    parser.add_argument("--json", metavar="OUT")
    args = parser.parse_args(argv)
    print(f"load average at start: {os.getloadavg()}", flush=True)
    tuned = f"{'tuned_km':>10}{'un':>4}" if args.tuned else ""
    print(
        f"{'instance':<13}{'stops':>6}{'ours_km':>10}{'vroom_km':>10}{'gap%':>8}"
        f"{'unassigned':>10}{'checker':>10}{'ours_s':>7}{'vroom_s':>7}{tuned}  engine"
    )
    rows = []
    for n in args.sizes:
        for seed in args.seeds:
            rows.append(run_instance(n, seed, args.tuned))
            _print_row(rows[-1])
    _totals([r for r in rows if r["stops"] <= 400], "100-400 stops at 10 s")
    _totals([r for r in rows if r["stops"] > 400], "1,000 stops at 60 s")
    print(f"load average at end: {os.getloadavg()}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
