"""Benchmark: `python -m routing.solver.bench FILE... --time-limit S [--write-solutions DIR]
[--engine auto|ortools|pyvrp|vroom] [--strategy FIRST:META] [--json OUT]`.

Prints one row per instance (distance, gap to BKS, routes, wall time, feasible, engine) and
the mean gap. --strategy runs OR-Tools alone with the given first-solution strategy and
metaheuristic (used for the strategy comparison in docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from .checker import check
from .costs import solution_units
from .model import COST_UNITS, Solution
from .ortools_engine import solve_ortools
from .portfolio import solve
from .prepare import prepare
from .vrplib_io import format_distance, read_instance, write_solution


def _solve_with_strategy(instance, time_limit: float, strategy: str) -> Solution:
    first, meta = strategy.split(":")
    started = time.perf_counter()
    prepared = prepare(instance.problem, time_limit, instance.provider)
    res = solve_ortools(prepared, time_limit, first_solution=first, metaheuristic=meta)
    routes = res.routes if res else []
    unassigned = prepared.unassigned + (res.unassigned if res else [])
    if res is None:
        from .model import Unassigned

        unassigned = [Unassigned(s.id, "no solution") for s in instance.problem.stops]
    sol = Solution(routes, unassigned, engine=f"ortools[{strategy}]")
    sol.cost = solution_units(instance.problem, sol) / COST_UNITS
    sol.elapsed_s = time.perf_counter() - started
    return sol


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m routing.solver.bench", description=__doc__)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--time-limit", type=float, required=True)
    parser.add_argument("--engine", default="auto", choices=["auto", "ortools", "pyvrp", "vroom"])
    parser.add_argument("--strategy", help="OR-Tools only, e.g. SAVINGS:GUIDED_LOCAL_SEARCH")
    parser.add_argument("--pyvrp-share", type=float, default=None, help="default: by size")
    parser.add_argument("--split-above", type=int, default=None)
    parser.add_argument("--write-solutions", metavar="DIR")
    parser.add_argument("--json", metavar="OUT", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    if args.write_solutions:
        Path(args.write_solutions).mkdir(parents=True, exist_ok=True)

    header = f"{'instance':<14}{'distance':>11}{'bks':>11}{'gap%':>8}{'routes':>7}"
    print(header + f"{'wall_s':>8}{'cpu_s':>7}{'feasible':>9}  engine", flush=True)
    rows = []
    for file in args.files:
        inst = read_instance(file)
        started, cpu_started = time.perf_counter(), time.process_time()
        if args.strategy:
            sol = _solve_with_strategy(inst, args.time_limit, args.strategy)
        else:
            sol = solve(
                inst.problem,
                args.time_limit,
                engine=args.engine,
                provider=inst.provider,
                split_above=args.split_above,
                pyvrp_share=args.pyvrp_share,
            )
        wall = time.perf_counter() - started
        # CPU time actually received: on a shared machine it shows how much of the wall time
        # the solver really ran.
        cpu = time.process_time() - cpu_started
        violations = check(inst.problem, sol, provider=inst.provider)
        feasible = not violations and not sol.unassigned
        distance = sol.distance_m / inst.scale
        gap = (distance - inst.bks) / inst.bks * 100 if inst.bks and feasible else None
        row = {
            "instance": inst.problem.name,
            "distance": distance,
            "bks": inst.bks,
            "gap": gap,
            "routes": len(sol.routes),
            "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "feasible": feasible,
            "unassigned": len(sol.unassigned),
            "violations": len(violations),
            "engine": sol.engine,
        }
        rows.append(row)
        print(
            f"{row['instance']:<14}{format_distance(sol.distance_m, inst.scale):>11}"
            f"{inst.bks if inst.bks is not None else 'n/a':>11}"
            f"{f'{gap:.2f}' if gap is not None else 'n/a':>8}{row['routes']:>7}"
            f"{wall:>8.1f}{cpu:>7.1f}{'yes' if feasible else 'NO':>9}  {sol.engine}",
            flush=True,
        )
        if args.write_solutions:
            write_solution(Path(args.write_solutions) / f"{inst.problem.name}.sol", sol, inst.scale)
    gaps = [r["gap"] for r in rows if r["gap"] is not None]
    feasible = sum(r["feasible"] for r in rows)
    mean = f"{statistics.mean(gaps):.3f}%" if gaps else "n/a"
    print(f"mean gap {mean} over {len(gaps)} instances; feasible {feasible}/{len(rows)}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
