"""The board itself: each route's view (progress, projected end, distance left, staleness), the
exceptions a dispatcher must act on, unassigned orders and running jobs, and the map layers."""

from __future__ import annotations

import datetime as dt

from core import timefmt
from core.geo import path_m, point_of
from dispatch.selectors.day import (
    board_depots,
    board_routes,
    day_positions,
    day_routes,
    is_stale,
)
from dispatch.selectors.shapes import (
    ACTIVE,
    DASH,
    UNASSIGNED_SHOWN,
    Board,
    BoardException,
    BoardFilters,
    RouteView,
    StopView,
)
from orders.models import OrderStatus
from routing.models import (
    ROUTE_COLOURS,
    JobStatus,
    OptimizationJob,
    Plan,
    PlanStatus,
    Route,
    RouteStatus,
    Stop,
    StopStatus,
)
from routing.selectors import plannable_orders
from tracking import clock
from tracking.late_risk import stop_is_late_risk


def _matches(stop: Stop, q: str) -> bool:
    if not q:
        return False
    q = q.lower()
    order = stop.order
    customer = order.customer.name if order.customer_id else ""
    return any(q in (v or "").lower() for v in (order.reference, customer, order.address))


def _route_view(route: Route, positions: dict, filters: BoardFilters, now: dt.datetime):
    tz = route.vehicle.depot.tzinfo
    stops = list(route.stops.all())
    state = getattr(route, "eta", None)
    is_started = route.status != RouteStatus.PLANNED or bool(state and state.started_at)
    arrived = any(s.status == StopStatus.ARRIVED for s in stops)
    first_planned = next((s for s in stops if s.status == StopStatus.PLANNED), None)
    views = []
    for s in stops:
        eta_state = getattr(s, "eta_state", None)
        is_next = bool(eta_state and eta_state.is_next) or (
            is_started and not arrived and s is first_planned
        )
        status = "next" if s.status == StopStatus.PLANNED and is_next else s.status
        views.append(
            StopView(
                stop=s,
                state=status,
                is_late_risk=stop_is_late_risk(s),
                matches=_matches(s, filters.q),
                tz=tz,
            )
        )
    remaining = [s for s in stops if s.status in ACTIVE]
    # Projected end: the planned end moved by the last remaining stop's ETA delay.
    if remaining:
        last = remaining[-1]
        delay = (last.eta - last.planned_arrival) if last.eta else dt.timedelta(0)
        projected_end = route.end_at + delay
    else:
        departed = [s.departed_at for s in stops if s.departed_at]
        back = route.end_at - stops[-1].planned_departure if stops else dt.timedelta(0)
        projected_end = max(departed) + back if departed else route.end_at
    # Distance left: the planned distance scaled by the share of the straight-line path left.
    home = point_of(route.vehicle.depot)
    points = [p for p in (point_of(s.order) for s in stops) if p]
    total = path_m([home, *points, home])
    position = positions.get(route.vehicle_id)
    if remaining:
        done_points = [
            p for p in (point_of(s.order) for s in stops if s.is_done or s.status == "arrived") if p
        ]
        here = (position["lat"], position["lon"]) if position and is_started else None
        start = here or (done_points[-1] if done_points else home)
        left_points = [p for p in (point_of(s.order) for s in remaining) if p]
        left = path_m([start, *left_points, home])
    else:
        left = 0.0
    distance_left = route.distance_m * left / total if total > 0 else left
    stale = (
        is_started
        and route.status != RouteStatus.COMPLETED
        and (position is None or is_stale(position, now))
    )
    return RouteView(
        route=route,
        stops=views,
        done=sum(1 for s in stops if s.is_done),
        total=len(stops),
        distance_left_m=round(distance_left),
        projected_end=projected_end,
        shift_end=route.shift.at(route.shift.end_time),
        position=position,
        is_started=is_started,
        is_stale=stale,
        tz=tz,
    )


def _route_exceptions(view: RouteView, now: dt.datetime) -> list[BoardException]:
    route = view.route
    name = f"Route {route.sequence} · {route.vehicle.code}"
    out = []
    for sv in view.stops:
        s = sv.stop
        if sv.is_late_risk:
            out.append(
                BoardException(
                    kind="late_risk",
                    title=f"{s.order.reference} may be late",
                    detail=f"{name}: ETA {sv.eta_window or sv.eta}, window {sv.window}",
                    severity="warn",
                    stop=s,
                    route=route,
                    order=s.order,
                )
            )
        if s.status == StopStatus.FAILED and s.order.status == OrderStatus.FAILED:
            out.append(
                BoardException(
                    kind="failed",
                    title=f"{s.order.reference} failed",
                    detail=f"{name}: waiting for a decision (reschedule or cancel)",
                    severity="bad",
                    stop=s,
                    route=route,
                    order=s.order,
                )
            )
        pin = getattr(s.order, "delivery_pin", None) if s.order.requires_pin else None
        if pin is not None and pin.state in ("failed", "locked") and not s.is_done:
            out.append(
                BoardException(
                    kind="pin",
                    title=f"{s.order.reference}: PIN {pin.state}",
                    detail=f"{name}: the driver cannot hand it over (release the PIN or fail it)",
                    severity="bad",
                    stop=s,
                    route=route,
                    order=s.order,
                )
            )
    if view.is_stale:
        age = (
            f"last position {int((now - view.position['time']).total_seconds() // 60)} min ago"
            if view.position
            else "no position yet"
        )
        out.append(
            BoardException(
                kind="stale",
                title=f"{route.vehicle.code} position is stale",
                detail=f"{name}: {age}",
                route=route,
            )
        )
    if view.is_over_shift:
        out.append(
            BoardException(
                kind="over_shift",
                title=f"{name} runs past the shift",
                detail=f"Projected end {view.projected_end_text}, shift ends {view.shift_end_text}",
                severity="bad",
                route=route,
                plan=route.plan,
            )
        )
    return out


def board_build(
    *,
    filters: BoardFilters,
    now: dt.datetime | None = None,
    version: str = "",
    positions: dict[int, dict] | None = None,
) -> Board:
    """Everything the board shows for `filters` (routes, positions, exceptions, unassigned
    orders, running jobs) in a fixed number of queries, independent of the number of routes.
    `version`/`positions` may be passed when the caller already read them."""
    now = now or clock.now()
    routes = board_routes(filters=filters)
    if positions is None:
        positions = day_positions(day=filters.day)
    views = [_route_view(r, positions, filters, now) for r in routes]
    exceptions: list[BoardException] = []
    for view in views:
        found = _route_exceptions(view, now)
        view.exceptions = len(found)
        exceptions.extend(found)
    if filters.q:
        views = [v for v in views if any(s.matches for s in v.stops)]
    if filters.status == "attention":
        views = [v for v in views if v.exceptions]
    plans = list(
        Plan.objects.filter(date=filters.day, status=PlanStatus.PUBLISHED)
        .prefetch_related("depots")
        .order_by("reference")
    )
    depots = [d for d in board_depots() if not filters.depot or d.code == filters.depot]
    unassigned_total = 0
    if not filters.driver:
        unassigned = plannable_orders(date=filters.day, depots=depots, search=filters.q)
        unassigned = unassigned.exclude(status=OrderStatus.PLANNED)
        rows = list(unassigned[: UNASSIGNED_SHOWN + 1])
        unassigned_total = len(rows) if len(rows) <= UNASSIGNED_SHOWN else unassigned.count()
        for order in rows[:UNASSIGNED_SHOWN]:
            tz = order.warehouse.tzinfo
            exceptions.append(
                BoardException(
                    kind="unassigned",
                    title=f"{order.reference} is on no route",
                    detail=f"{order.customer.name if order.customer_id else ''} · window "
                    f"{timefmt.hm(order.window_start, tz)}{DASH}"
                    f"{timefmt.hm(order.window_end, tz)} · "
                    f"{order.get_status_display().lower()}",
                    order=order,
                    plan=next((p for p in plans if order.warehouse in p.depots.all()), None),
                )
            )
    order_of = {"failed": 0, "pin": 0, "late_risk": 1, "over_shift": 2, "stale": 3, "unassigned": 4}
    exceptions.sort(key=lambda e: order_of[e.kind])
    jobs = list(
        OptimizationJob.objects.filter(
            plan__in=plans, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        ).select_related("plan")
    )
    return Board(
        filters=filters,
        now=now,
        routes=views,
        exceptions=exceptions,
        unassigned_total=unassigned_total,
        plans=plans,
        jobs=jobs,
        depots=depots,
        version=version,
    )


def board_map_data(*, board: Board) -> dict:
    """Plain JSON for the Leaflet map: depots, one line per route, numbered stops with their
    status, and vehicles (see `board_vehicles`)."""
    depots = {}
    routes = []
    for view in board.routes:
        route = view.route
        depot = route.vehicle.depot
        home = list(point_of(depot))
        depots[depot.code] = {
            "code": depot.code,
            "name": depot.name,
            "lat": home[0],
            "lon": home[1],
        }
        stops = []
        for sv in view.stops:
            point = point_of(sv.stop.order)
            if point is None:
                continue
            stops.append(
                {
                    "id": sv.stop.pk,
                    "n": sv.stop.sequence,
                    "order": sv.stop.order.reference,
                    "pickup": bool(sv.stop.ret_id),
                    "lat": point[0],
                    "lon": point[1],
                    "state": sv.state,
                    "late": sv.is_late_risk,
                    "match": sv.matches,
                    "eta": sv.eta,
                    "eta_window": sv.eta_window,
                    "window": sv.window,
                }
            )
        routes.append(
            {
                "id": route.pk,
                "number": route.sequence,
                "label": f"{route.plan.reference}/{route.sequence}",
                "vehicle": route.vehicle.code,
                "driver": str(route.driver) if route.driver_id else "",
                "colour": route.colour,
                "line": [home, *[[s["lat"], s["lon"]] for s in stops], home],
                "stops": stops,
            }
        )
    return {"depots": list(depots.values()), "routes": routes}


def board_vehicles(
    *, filters: BoardFilters, positions: dict[int, dict], now: dt.datetime
) -> list[dict]:
    """The vehicles of the filtered routes at their last position (one light query)."""
    rows = (
        day_routes(filters)
        .order_by("plan__reference", "sequence")
        .values_list("pk", "sequence", "vehicle_id", "vehicle__code")
    )
    out = []
    for route_id, sequence, vehicle_id, code in rows:
        p = positions.get(vehicle_id)
        if p is None:
            continue
        out.append(
            {
                "route": route_id,
                "vehicle": code,
                "colour": ROUTE_COLOURS[(sequence - 1) % len(ROUTE_COLOURS)],
                "lat": p["lat"],
                "lon": p["lon"],
                "heading": p["heading"],
                "time": p["time"].isoformat(),
                "stale": is_stale(p, now),
            }
        )
    return out
