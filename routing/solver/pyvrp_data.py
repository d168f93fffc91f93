"""Problem -> pyvrp.ProblemData, for rich problems too.

- Several depots and a mixed fleet: one vehicle type per distinct (capacity, depots, shift,
  limits, rates, profile).
- Skills, stops locked to a vehicle and any other vehicle restriction found by `prepare`
  (capacity, reach): vehicles whose set of forbidden stops is the same share a routing
  profile whose matrices make those stops unreachable (a very long, very far arc), so a
  feasible PyVRP plan never visits them. Profile 0 is always the plain matrix.
- Returns (`Stop.pickup`): PyVRP clients' `pickup`, with its simultaneous pickup-delivery
  load model (deliveries loaded at the depot, pickups carried back), which is ours.
- Several windows: one client per window at the same location, in a required mutually
  exclusive group (exactly one copy is visited) when the stop is required.
- Pickup-delivery pairs: PyVRP shipments (one window per end).
- Breaks: PyVRP has none. They are relaxed here by shortening each vehicle's allowed route
  duration by their total (chosen by measurement, docs/benchmarks.md "Rich problems"), and
  placed exactly afterwards by `schedule.timed_route`; plans where they do not fit are
  repaired (repair.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyvrp

from .costs import drop_penalty, vehicle_rates
from .prepare import Prepared, active_matrix

INF = 2**62  # "no limit"; far below int64 max so PyVRP's sums cannot overflow
FORBIDDEN = 10**9  # metres and seconds on an arc a vehicle must never take


@dataclass
class PyVRPData:
    data: pyvrp.ProblemData
    members: list[list[int]]  # vehicle indices behind each vehicle type
    client_stop: list[str]  # stop id of each client (several for a stop with several windows)
    shipment_stops: list[tuple[str, str]]  # (pickup, delivery) stop ids of each shipment
    clients_of: dict[str, list[int]] = field(default_factory=dict)
    shipment_of: dict[str, int] = field(default_factory=dict)


def build(
    prepared: Prepared, *, break_relaxation: str = "duration", required_prize: int | None = None
) -> PyVRPData:
    """ProblemData over depots + active stops. `break_relaxation`: "shift_end" ends shifts
    early by the breaks' total, "duration" only shortens the allowed route duration, "none"
    ignores breaks (the exact placement afterwards then fails more often). With
    `required_prize`, required stops become optional with that prize, so that PyVRP still
    plans the rest when some of them cannot be served together (it otherwise reports no
    feasible plan at all)."""
    p = prepared.problem
    idx = active_matrix(prepared)
    nd = len(p.depots)
    points = [pt if pt is not None else (0.0, 0.0) for pt in p.points]
    locations = [pyvrp.Location(x=float(points[i][0]), y=float(points[i][1])) for i in idx]
    depots = [
        pyvrp.Depot(location=k, tw_early=d.window.start_s, tw_late=d.window.end_s)
        for k, d in enumerate(p.depots)
    ]
    dims = p.dimensions()
    stops = [p.stops[i] for i in prepared.active]
    paired = {x.pickup: x for x in p.pairs} | {x.delivery: x for x in p.pairs}

    def prize(*members) -> int:
        if required_prize is not None and not all(m.optional for m in members):
            return required_prize
        return max(drop_penalty(p, m) for m in members) if all(m.optional for m in members) else 0

    def required(*members) -> bool:
        return required_prize is None and not all(m.optional for m in members)

    out = PyVRPData(None, [], [], [])
    clients, groups, shipments = [], [], []
    for k, s in enumerate(stops):
        if s.id in paired:
            continue
        amounts = {
            "delivery": [s.demand.get(d, 0) for d in dims],
            "pickup": [s.pickup.get(d, 0) for d in dims],
        }
        windows = s.windows or (None,)
        grouped = len(windows) > 1
        if grouped:
            groups.append(pyvrp.ClientGroup(required=required(s)))
        for w in windows:
            out.clients_of.setdefault(s.id, []).append(len(clients))
            out.client_stop.append(s.id)
            if grouped:
                groups[-1].add_client(len(clients))
            clients.append(
                pyvrp.Client(
                    location=nd + k,
                    **amounts,
                    service_duration=s.service_s,
                    tw_early=w.start_s if w else 0,
                    tw_late=w.end_s if w else INF,
                    prize=prize(s),
                    required=required(s) and not grouped,
                    group=len(groups) - 1 if grouped else None,
                    name=s.id,
                )
            )
    position = {s.id: k for k, s in enumerate(stops)}
    for pair in p.pairs:
        if pair.pickup not in position or pair.delivery not in position:
            continue
        a, b = stops[position[pair.pickup]], stops[position[pair.delivery]]
        wa, wb = (a.windows or (None,))[0], (b.windows or (None,))[0]
        out.shipment_of[a.id] = out.shipment_of[b.id] = len(shipments)
        out.shipment_stops.append((a.id, b.id))
        shipments.append(
            pyvrp.Shipment(
                pickup_location=nd + position[a.id],
                delivery_location=nd + position[b.id],
                pickup_tw_early=wa.start_s if wa else 0,
                pickup_tw_late=wa.end_s if wa else INF,
                pickup_service_duration=a.service_s,
                delivery_tw_early=wb.start_s if wb else 0,
                delivery_tw_late=wb.end_s if wb else INF,
                delivery_service_duration=b.service_s,
                amount=[a.demand.get(d, 0) for d in dims],
                prize=prize(a, b),
                required=required(a, b),
                name=f"{a.id}>{b.id}",
            )
        )
    dist = np.ascontiguousarray(prepared.matrices.distance_m[np.ix_(idx, idx)])
    dur = np.ascontiguousarray(prepared.matrices.duration_s[np.ix_(idx, idx)])
    profiles, profile_of = _profiles(prepared, nd)
    dist_matrices, dur_matrices = [dist], [dur]
    for forbidden in profiles[1:]:
        nodes = [nd + k for k in sorted(forbidden)]
        d, t = dist.copy(), dur.copy()
        for m in (d, t):
            m[nodes, :] = FORBIDDEN
            m[:, nodes] = FORBIDDEN
            m[nodes, nodes] = 0
        dist_matrices.append(d)
        dur_matrices.append(t)
    types = _vehicle_types(prepared, profile_of, dims, break_relaxation)
    out.members = list(types.values())
    vehicle_types = [
        pyvrp.VehicleType(
            num_available=len(members),
            capacity=list(key[0]),
            start_depot=key[1],
            end_depot=key[2],
            fixed_cost=key[3],
            tw_early=key[4],
            tw_late=key[5],
            shift_duration=key[6],
            max_distance=key[7],
            unit_distance_cost=key[8],
            unit_duration_cost=key[9],
            profile=key[10],
        )
        for key, members in types.items()
    ]
    out.data = pyvrp.ProblemData(
        locations,
        clients,
        depots,
        vehicle_types,
        dist_matrices,
        dur_matrices,
        groups=groups,
        shipments=shipments,
    )
    return out


def _profiles(prepared: Prepared, nd: int) -> tuple[list[frozenset[int]], list[int]]:
    """Distinct sets of forbidden stop positions; profile 0 forbids nothing."""
    p = prepared.problem
    forbidden: list[set[int]] = [set() for _ in p.vehicles]
    for k, i in enumerate(prepared.active):
        allowed = set(prepared.allowed[i])
        for v in range(len(p.vehicles)):
            if v not in allowed:
                forbidden[v].add(k)
    profiles: list[frozenset[int]] = [frozenset()]
    profile_of = []
    for f in map(frozenset, forbidden):
        if f not in profiles:
            profiles.append(f)
        profile_of.append(profiles.index(f))
    return profiles, profile_of


def _vehicle_types(prepared: Prepared, profile_of, dims, relaxation: str) -> dict:
    p = prepared.problem
    depot_index = p.node_of_depot()
    types: dict[tuple, list[int]] = {}
    for v, vehicle in enumerate(p.vehicles):
        r = vehicle_rates(p, vehicle)
        pause = sum(b.duration_s for b in vehicle.breaks)
        tw_late = vehicle.shift.end_s
        duration = vehicle.max_duration_s if vehicle.max_duration_s is not None else INF
        if pause and relaxation == "shift_end":
            tw_late = max(vehicle.shift.start_s, tw_late - pause)
        elif pause and relaxation == "duration":
            span = vehicle.shift.end_s - vehicle.shift.start_s
            duration = max(0, min(duration, span) - pause)
        key = (
            tuple(vehicle.capacity.get(dim, INF) for dim in dims),
            depot_index[vehicle.start_depot],
            depot_index[vehicle.end_depot_id],
            r.fixed,
            vehicle.shift.start_s,
            tw_late,
            duration,
            vehicle.max_distance_m if vehicle.max_distance_m is not None else INF,
            r.per_metre,
            r.per_second,
            profile_of[v],
        )
        types.setdefault(key, []).append(v)
    return types
