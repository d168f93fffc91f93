"""VROOM's cost semantics, and how the solver is told to minimise them.

VROOM (src/utils/helpers.cpp, cost_wrapper.cpp): a route costs
`fixed + round(per_hour * travel_s / 3600 + per_km * distance_m / 1000) + floor(per_task_hour *
(setup + service) / 3600)`, where travel excludes waiting and service and defaults to
per_hour = 3600 (cost = travel seconds); with a custom `costs` matrix the travel part is the sum
of that matrix over the route's legs instead.

The solver charges per metre of its "distance" matrix and per second of route duration
(waiting included). When every vehicle shares one (per_hour, per_km), or a custom costs matrix
is given, we hand the engines VROOM's travel cost itself as their distance matrix, so they
minimise exactly VROOM's objective ("exact"). Otherwise (mixed rates, or a max_distance that
needs the real distance matrix) rates map onto the solver's own per-km and per-hour costs, whose
hour is charged on the whole route duration ("approximate"); the reported cost still follows
VROOM's rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..costs import REQUIRED_PENALTY
from ..model import COST_UNITS
from .reader import Reader, join

DEFAULT_PER_HOUR = 3600
_PER_SECOND = COST_UNITS // 3600  # cost units per second at a rate of 1 per hour
_PER_METRE = COST_UNITS // 1000  # cost units per metre at a rate of 1 per km
assert _PER_SECOND * 3600 == COST_UNITS and _PER_METRE * 1000 == COST_UNITS


@dataclass
class CostModel:
    exact: bool
    engine_distances: np.ndarray  # the location matrix the engines see as "distance"
    custom: np.ndarray | None  # VROOM `costs` matrix
    per_task_hour: int
    # A dropped task costs more than any plausible plan (the solver's own penalty for a
    # required stop), times (1 + priority).
    drop_penalty: float = REQUIRED_PENALTY / COST_UNITS

    def vehicle_rates(self, fleet) -> dict:
        if self.exact:
            # One engine distance unit is one cost unit: exactly 1 per metre.
            return {
                "cost_per_km": 1000 / COST_UNITS,
                "cost_per_hour": 0.0,
                "fixed_cost": fleet.fixed,
            }
        return {
            "cost_per_km": float(fleet.per_km),
            "cost_per_hour": float(fleet.per_hour),
            "fixed_cost": fleet.fixed,
        }

    def route_cost(self, fleet, *, travel_s: int, distance_m: int, legs_cost: int, task_s: int):
        """VROOM's cost of one route (integer), from its totals."""
        if self.custom is not None:
            travel = legs_cost
        else:
            scaled = travel_s * fleet.per_hour * 1000 + distance_m * fleet.per_km * 3600
            travel = (scaled + 1_800_000) // 3_600_000  # VROOM rounds half up
        return fleet.fixed + travel + (self.per_task_hour * task_s) // 3600


def cost_model(r: Reader, fleet: list, durations, distances, custom) -> CostModel | None:
    """Refuse what VROOM refuses or we cannot price, then choose exact or approximate."""
    for f in fleet:
        costs = join(f.path, "costs")
        if custom is not None and f.per_hour != DEFAULT_PER_HOUR:
            r.error(join(costs, "per_hour"), "custom costs matrices exclude a per_hour value")
        if custom is not None and f.max_distance is not None:
            r.error(join(f.path, "max_distance"), "cannot be combined with a custom costs matrix")
        if distances is None and f.per_km:
            r.error(join(costs, "per_km"), "needs a distances matrix for the vehicles' profile")
        if distances is None and f.max_distance is not None:
            r.error(
                join(f.path, "max_distance"), "needs a distances matrix for the vehicles' profile"
            )
        if f.per_task_hour != fleet[0].per_task_hour:
            r.error(join(costs, "per_task_hour"), "all vehicles must share one per_task_hour")
    if r.errors:
        return None
    dist = distances if distances is not None else np.zeros_like(durations)
    rates = {(f.per_hour, f.per_km) for f in fleet}
    exact = custom is not None or (len(rates) == 1 and all(f.max_distance is None for f in fleet))
    if custom is not None:
        engine = custom * COST_UNITS
    elif exact:
        per_hour, per_km = rates.pop()
        engine = durations * (per_hour * _PER_SECOND) + dist * (per_km * _PER_METRE)
    else:
        engine = dist
    return CostModel(
        exact=exact,
        engine_distances=np.asarray(engine, dtype=np.int64),
        custom=custom,
        per_task_hour=fleet[0].per_task_hour,
    )
