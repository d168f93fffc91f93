"""A solver Solution as JSON-able data and back: the parts of a split job travel between
Celery tasks this way."""

from __future__ import annotations

import dataclasses

from routing.solver import PlannedBreak, Route, Solution, Unassigned, Visit


def jsonable(value):
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def solution_to_data(solution: Solution) -> dict:
    data = dataclasses.asdict(solution)
    data["stats"] = jsonable(solution.stats)
    return data


def solution_from_data(data: dict) -> Solution:
    routes = [
        Route(
            vehicle_id=r["vehicle_id"],
            visits=[Visit(**v) for v in r["visits"]],
            start_s=r["start_s"],
            end_s=r["end_s"],
            distance_m=r["distance_m"],
            breaks=[PlannedBreak(**b) for b in r["breaks"]],
        )
        for r in data["routes"]
    ]
    return Solution(
        routes=routes,
        unassigned=[Unassigned(**u) for u in data["unassigned"]],
        cost=data["cost"],
        engine=data["engine"],
        elapsed_s=data["elapsed_s"],
        stats=data["stats"],
    )
