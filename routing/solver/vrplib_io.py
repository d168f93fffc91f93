"""VRPLIB benchmark files <-> Problem/Solution.

VRPTW (Solomon, Gehring-Homberger) uses the DIMACS convention: distance = travel time =
floor(10 * euclid) / 10, so we work in integers scaled by 10. CVRP (X) uses rounded EUC_2D
and an unlimited fleet.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import vrplib

from .model import Depot, Problem, Solution, Stop, TimeWindow, Vehicle
from .providers import MatrixProvider, euclidean_matrices


@dataclass
class Instance:
    problem: Problem
    provider: MatrixProvider
    scale: int  # integer distance units per instance distance unit
    bks: float | None  # best-known distance in instance units


def read_instance(path: str | Path) -> Instance:
    path = Path(path)
    data = vrplib.read_instance(str(path))
    coords = [tuple(map(float, c)) for c in data["node_coord"]]
    has_tw = "time_window" in data
    scale = 10 if has_tw else 1
    n = len(coords) - 1
    depot_ix = int(np.atleast_1d(data.get("depot", [0]))[0])
    if depot_ix != 0:
        raise ValueError(f"{path.name}: only instances with the depot first are supported")
    matrices = euclidean_matrices(coords, scale=scale, dimacs=has_tw)
    demand = [int(q) for q in data["demand"]]
    capacity = int(data["capacity"])
    service = np.broadcast_to(np.asarray(data.get("service_time", 0)), (n + 1,))
    if has_tw:
        tw = np.asarray(data["time_window"], dtype=np.int64) * scale
        depot_window = TimeWindow(int(tw[0][0]), int(tw[0][1]))
        fleet = int(data.get("vehicles", n))
    else:
        depot_window = TimeWindow(0, 2**40)
        # Unlimited fleet: twice the lower bound is ample and keeps OR-Tools' model small.
        fleet = min(n, 2 * math.ceil(sum(demand) / capacity) + 2)
    depot = Depot("0", coords[0], depot_window)
    vehicles = [
        Vehicle(f"v{k + 1}", "0", shift=depot_window, capacity={"units": capacity})
        for k in range(fleet)
    ]
    stops = [
        Stop(
            str(i),
            coords[i],
            demand={"units": demand[i]},
            windows=(TimeWindow(int(tw[i][0]), int(tw[i][1])),) if has_tw else (),
            service_s=int(service[i]) * scale,
        )
        for i in range(1, n + 1)
    ]
    problem = Problem([depot], vehicles, stops, name=data.get("name", path.stem))
    provider = MatrixProvider(coords, matrices.distance_m, matrices.duration_s)
    return Instance(problem, provider, scale, find_bks(path, problem.name))


def find_bks(path: Path, name: str) -> float | None:
    """Best-known distance: bks.csv in the file's folder or a parent, else a sibling .sol."""
    for folder in [path.parent, *path.parents][:4]:
        table = folder / "bks.csv"
        if table.exists():
            with table.open() as fh:
                for row in csv.DictReader(fh):
                    if row.get("instance") == name and row.get("bks_distance"):
                        return float(row["bks_distance"])
    sol = path.with_suffix(".sol")
    if sol.exists():
        cost = vrplib.read_solution(str(sol)).get("cost")
        return float(cost) if cost is not None else None
    return None


def write_solution(path: str | Path, solution: Solution, scale: int) -> None:
    """VRPLIB .sol: customers numbered 1..n as in the file, depot omitted, then Cost."""
    lines = [
        f"Route #{k}: {' '.join(r.stop_ids)}"
        for k, r in enumerate((r for r in solution.routes if r.visits), start=1)
    ]
    lines.append(f"Cost {format_distance(solution.distance_m, scale)}")
    Path(path).write_text("\n".join(lines) + "\n")


def format_distance(units: int, scale: int) -> str:
    return f"{units / scale:.1f}" if scale != 1 else str(units)
