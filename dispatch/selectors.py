"""Reads behind the live dispatch board: the day's published routes with their stops, ETAs and
vehicle positions, the exceptions a dispatcher must act on, the map layers, and a cheap version
stamp so a poll with nothing new costs one query.

Everything here is read-only. The route/stop/ping queries are the board's own because it needs
more than the tracking live list selects (shifts for the shift end, customers for search, the
latest ping per vehicle in one query).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Prefetch

from core import timefmt
from inventory.models import Warehouse
from orders.models import CustomerOrder, OrderEvent, OrderStatus
from routing.models import (
    ROUTE_COLOURS,
    Driver,
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
from routing.services import travel_provider
from tracking import clock
from tracking import conf as tracking_conf
from tracking.eta import EtaStop, etas_compute
from tracking.models import PositionPing, RouteEta, StopEta
from tracking.services import error_quantiles

from . import conf

ROUTE_FILTERS = {
    "": "All routes",
    RouteStatus.PLANNED: "Not started",
    RouteStatus.IN_PROGRESS: "On the road",
    RouteStatus.COMPLETED: "Completed",
    "attention": "Needing attention",
}
ACTIVE = (StopStatus.PLANNED, StopStatus.ARRIVED)
UNASSIGNED_SHOWN = 30
STOP_FIELDS = (
    "route_id", "order_id", "plan_id", "sequence", "status", "planned_arrival", "planned_start",
    "planned_departure", "window_start", "window_end", "eta", "eta_low", "eta_high",
    "arrived_at", "departed_at",
)  # fmt: skip
ORDER_FIELDS = (
    "reference", "status", "address", "latitude", "longitude", "window_start", "window_end",
    "customer_id", "warehouse_id", "tracking_token",
)  # fmt: skip
DASH = "\u2013"  # between the two times of a window


@dataclass(frozen=True)
class BoardFilters:
    """What the dispatcher asked to see: one day, optionally one depot (code), one driver (id),
    a route status (or "attention"), and a search over order reference, customer and address."""

    day: dt.date
    depot: str = ""
    driver: int | None = None
    status: str = ""
    q: str = ""

    def as_query(self) -> dict[str, str]:
        out = {"day": self.day.isoformat()}
        for name in ("depot", "status", "q"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.driver:
            out["driver"] = str(self.driver)
        return out


@dataclass
class StopView:
    """A stop as the board shows it; the display strings are computed only when used (most
    stop lists are closed)."""

    stop: Stop
    state: str  # planned | next | arrived | delivered | failed | skipped
    is_late_risk: bool
    matches: bool
    tz: object = None

    @property
    def eta(self) -> str:
        s = self.stop
        return _hm(s.eta, self.tz) if s.status in ACTIVE else _hm(s.arrived_at, self.tz)

    @property
    def eta_window(self) -> str:
        s = self.stop
        if not s.eta_low or s.status not in ACTIVE:
            return ""
        return f"{_hm(s.eta_low, self.tz)}{DASH}{_hm(s.eta_high, self.tz)}"

    @property
    def window(self) -> str:
        s = self.stop
        return (
            f"{_hm(s.window_start or s.order.window_start, self.tz)}{DASH}"
            f"{_hm(s.window_end or s.order.window_end, self.tz)}"
        )

    @property
    def planned(self) -> str:
        return _hm(self.stop.planned_arrival, self.tz)


@dataclass
class RouteView:
    route: Route
    stops: list[StopView]
    done: int
    total: int
    distance_left_m: int
    projected_end: dt.datetime
    shift_end: dt.datetime
    position: dict | None
    is_started: bool
    is_stale: bool
    exceptions: int = 0
    tz: object = None

    @property
    def is_over_shift(self) -> bool:
        return self.route.status != RouteStatus.COMPLETED and self.projected_end > self.shift_end

    @property
    def projected_end_text(self) -> str:
        return _hm(self.projected_end, self.tz)

    @property
    def shift_end_text(self) -> str:
        return _hm(self.shift_end, self.tz)

    @property
    def load(self) -> dict[str, int]:
        pct = self.route.load_pct()
        return {**pct, "max": max(pct.values())}

    @property
    def distance_left_km(self) -> str:
        return f"{self.distance_left_m / 1000:.1f}"

    @property
    def progress_pct(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def remaining(self) -> list[StopView]:
        return [s for s in self.stops if s.stop.status in ACTIVE]


@dataclass
class BoardException:
    kind: str  # late_risk | failed | stale | unassigned | over_shift
    title: str
    detail: str
    severity: str = "warn"  # warn | bad
    stop: Stop | None = None
    route: Route | None = None
    order: CustomerOrder | None = None
    plan: Plan | None = None

    @property
    def key(self) -> str:
        target = self.stop.pk if self.stop else self.route.pk if self.route else self.order.pk
        return f"{self.kind}-{target}"


@dataclass
class Board:
    filters: BoardFilters
    now: dt.datetime
    routes: list[RouteView]
    exceptions: list[BoardException]
    unassigned_total: int
    plans: list[Plan]
    jobs: list[OptimizationJob]
    depots: list[Warehouse] = field(default_factory=list)
    version: str = ""

    @property
    def exception_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for e in self.exceptions:
            counts[e.kind] = counts.get(e.kind, 0) + 1
        return counts


def _hm(moment: dt.datetime | None, tz) -> str:
    return timefmt.hm(moment, tz)


def board_day_default(*, now: dt.datetime | None = None) -> dt.date:
    """Today in the first depot's zone (the simulated clock's today when one runs)."""
    now = now or clock.now()
    depot = Warehouse.objects.filter(is_active=True).order_by("code").first()
    return now.astimezone(depot.tzinfo).date() if depot else now.date()


def board_depots() -> list[Warehouse]:
    return list(Warehouse.objects.filter(vehicles__isnull=False).distinct().order_by("code"))


def board_drivers(*, day: dt.date) -> list[Driver]:
    return list(
        Driver.objects.filter(shifts__date=day).select_related("user").order_by("user__username")
    )


def _day_routes(filters: BoardFilters):
    routes = Route.objects.filter(plan__date=filters.day, plan__status=PlanStatus.PUBLISHED)
    if filters.depot:
        routes = routes.filter(vehicle__depot__code=filters.depot)
    if filters.driver:
        routes = routes.filter(driver_id=filters.driver)
    if filters.status in (RouteStatus.PLANNED, RouteStatus.IN_PROGRESS, RouteStatus.COMPLETED):
        routes = routes.filter(status=filters.status)
    return routes


def board_routes(*, filters: BoardFilters) -> list[Route]:
    """The day's published routes (filtered) with vehicle, depot, driver, shift, plan, ETA state
    and their stops (order, customer, stop ETA state): two queries."""
    # Only what the board reads: a 50-route day has ~3,000 stop/order/customer rows to build.
    stops = (
        Stop.objects.select_related("order__customer", "eta_state")
        .only(
            *STOP_FIELDS,
            *(f"order__{f}" for f in ORDER_FIELDS),
            "order__customer__name",
            "eta_state__is_late_risk",
            "eta_state__is_next",
            "eta_state__stop_id",
        )
        .order_by("sequence")
    )
    return list(
        _day_routes(filters)
        .select_related("plan", "vehicle__depot", "driver__user", "shift__vehicle__depot", "eta")
        .prefetch_related(Prefetch("stops", queryset=stops))
        .order_by("plan__reference", "sequence")
    )


def day_positions(*, day: dt.date) -> dict[int, dict]:
    """The latest ping of every vehicle on a published route of `day`, in one query (a backward
    scan per vehicle on the (vehicle, time) unique index, so the ping history's size does not
    matter)."""
    t = {
        "ping": PositionPing._meta.db_table,
        "route": Route._meta.db_table,
        "plan": Plan._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT p.vehicle_id, p.time, p.latitude, p.longitude, p.heading_deg, p.speed_kmh
            FROM (SELECT DISTINCT r.vehicle_id AS id FROM {t["route"]} r
                  JOIN {t["plan"]} pl ON pl.id = r.plan_id
                  WHERE pl.date = %s AND pl.status = %s) AS v
            CROSS JOIN LATERAL (
                SELECT * FROM {t["ping"]} WHERE vehicle_id = v.id ORDER BY time DESC LIMIT 1
            ) AS p
            """,  # noqa: S608 (table names from the models, values as parameters)
            [day, PlanStatus.PUBLISHED],
        )
        rows = cursor.fetchall()
    return {
        vid: {"time": time, "lat": lat, "lon": lon, "heading": heading, "speed_kmh": speed}
        for vid, time, lat, lon, heading, speed in rows
    }


def _is_stale(position: dict, now: dt.datetime) -> bool:
    return (now - position["time"]).total_seconds() > conf.get("DISPATCH_STALE_PING_S")


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    # Wide enough for every time zone (the same margin routing.selectors.plannable_orders uses).
    start = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(hours=14)
    return start, start + dt.timedelta(hours=24 + 28)


def board_version(*, day: dt.date, eta_resolution_s: int = 0) -> str:
    """A stamp that changes whenever anything the board shows for `day` changes: stops (status,
    sequence, route), ETA flags, routes, plans, optimisation jobs, the orders of the day (new
    unassigned ones, rescheduled, cancelled) and ETA recomputes — which a pinging fleet causes
    every few seconds, so they count at most once per `eta_resolution_s` when given. One query."""
    start, end = _day_bounds(day)
    t = {
        "plan": Plan._meta.db_table,
        "route": Route._meta.db_table,
        "stop": Stop._meta.db_table,
        "stopeta": StopEta._meta.db_table,
        "routeeta": RouteEta._meta.db_table,
        "job": OptimizationJob._meta.db_table,
        "order": CustomerOrder._meta.db_table,
    }
    resolution = max(int(eta_resolution_s), 0) or 0.001
    eta_sql = f"""(SELECT floor(extract(epoch FROM max(re.computed_at)) / {resolution})
             FROM {t["routeeta"]} re JOIN {t["route"]} r
             ON r.id = re.route_id WHERE r.plan_id IN (SELECT id FROM plans))"""  # noqa: S608
    sql = f"""
        WITH plans AS (SELECT id, updated_at FROM {t["plan"]} WHERE date = %s)
        SELECT
          (SELECT max(updated_at) FROM plans),
          (SELECT max(r.updated_at) FROM {t["route"]} r WHERE r.plan_id IN (SELECT id FROM plans)),
          (SELECT count(*) || ':' || coalesce(max(s.updated_at)::text, '')
             FROM {t["stop"]} s WHERE s.plan_id IN (SELECT id FROM plans)),
          (SELECT max(se.updated_at) FROM {t["stopeta"]} se JOIN {t["stop"]} s ON s.id = se.stop_id
             WHERE s.plan_id IN (SELECT id FROM plans)),
          {eta_sql},
          (SELECT max(j.updated_at) FROM {t["job"]} j WHERE j.plan_id IN (SELECT id FROM plans)),
          (SELECT max(o.updated_at) FROM {t["order"]} o
             WHERE o.window_start < %s AND o.window_end > %s)
    """  # noqa: S608 (table names from the models, values as parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, end, start])
        row = cursor.fetchone()
    raw = "|".join(str(v) for v in row)
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()[:16]


def positions_version(*, positions: dict[int, dict], now: dt.datetime, exact: bool) -> str:
    """`exact`: changes with every new ping (the map); otherwise only when a vehicle gets its
    first position or turns stale or fresh again (the side panel, whose ping ages tick in the
    browser)."""
    parts = [
        f"{vid}:{p['time'].timestamp():.0f}" if exact else f"{vid}:{int(_is_stale(p, now))}"
        for vid, p in sorted(positions.items())
    ]
    return hashlib.sha1(";".join(parts).encode(), usedforsecurity=False).hexdigest()[:12]


# --- building the board -----------------------------------------------------------------------


def _haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def _path_m(points: list[tuple[float, float]]) -> float:
    return sum(_haversine_m(a, b) for a, b in itertools.pairwise(points))


def _point(order: CustomerOrder) -> tuple[float, float] | None:
    if order.latitude is None or order.longitude is None:
        return None
    return (float(order.latitude), float(order.longitude))


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
                is_late_risk=bool(eta_state and eta_state.is_late_risk) and not s.is_done,
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
    depot = route.vehicle.depot
    home = (float(depot.latitude), float(depot.longitude))
    points = [p for p in (_point(s.order) for s in stops) if p]
    total = _path_m([home, *points, home])
    position = positions.get(route.vehicle_id)
    if remaining:
        done_points = [
            p for p in (_point(s.order) for s in stops if s.is_done or s.status == "arrived") if p
        ]
        here = (position["lat"], position["lon"]) if position and is_started else None
        start = here or (done_points[-1] if done_points else home)
        left_points = [p for p in (_point(s.order) for s in remaining) if p]
        left = _path_m([start, *left_points, home])
    else:
        left = 0.0
    distance_left = route.distance_m * left / total if total > 0 else left
    is_stale = (
        is_started
        and route.status != RouteStatus.COMPLETED
        and (position is None or _is_stale(position, now))
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
        is_stale=is_stale,
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
                    f"{_hm(order.window_start, tz)}{DASH}{_hm(order.window_end, tz)} · "
                    f"{order.get_status_display().lower()}",
                    order=order,
                    plan=next((p for p in plans if order.warehouse in p.depots.all()), None),
                )
            )
    order_of = {"failed": 0, "late_risk": 1, "over_shift": 2, "stale": 3, "unassigned": 4}
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
        home = [float(depot.latitude), float(depot.longitude)]
        depots[depot.code] = {
            "code": depot.code,
            "name": depot.name,
            "lat": home[0],
            "lon": home[1],
        }
        stops = []
        for sv in view.stops:
            point = _point(sv.stop.order)
            if point is None:
                continue
            stops.append(
                {
                    "id": sv.stop.pk,
                    "n": sv.stop.sequence,
                    "order": sv.stop.order.reference,
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
        _day_routes(filters)
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
                "stale": _is_stale(p, now),
            }
        )
    return out


def stop_detail(*, stop_id: int) -> Stop | None:
    """A stop with its order, customer, route and the order's timeline (newest last)."""
    stop = (
        Stop.objects.select_related(
            "order__customer", "order__warehouse", "route__vehicle__depot", "route__driver__user"
        )
        .filter(pk=stop_id)
        .first()
    )
    if stop is not None:
        stop.timeline = list(
            OrderEvent.objects.filter(order=stop.order, ret__isnull=True)
            .select_related("user")
            .order_by("at", "id")
        )
    return stop


# --- move preview -------------------------------------------------------------------------------


def _vehicle_origin(*, route: Route, stops: list[Stop], now: dt.datetime):
    """Where the route's vehicle is and when it can drive on — the rule of tracking's ETA
    engine (an arrived stop, else a fresh ping, else the last completed stop, else the depot at
    the route's start). Kept here because tracking's version is private; see the report."""
    arrived = [s for s in stops if s.status == StopStatus.ARRIVED]
    if arrived:
        last = arrived[-1]
        done_at = (last.arrived_at or now) + dt.timedelta(seconds=last.order.service_time_s)
        return _point(last.order), max(now, done_at)
    stale = now - dt.timedelta(seconds=tracking_conf.get("TRACKING_PING_STALE_S"))
    ping = (
        PositionPing.objects.filter(vehicle_id=route.vehicle_id, time__gte=stale, time__lte=now)
        .order_by("-time")
        .only("latitude", "longitude")
        .first()
    )
    if ping is not None:
        return (ping.latitude, ping.longitude), now
    done = [s for s in stops if s.is_done and s.departed_at and s.status != StopStatus.SKIPPED]
    if done:
        last = max(done, key=lambda s: s.departed_at)
        return _point(last.order), max(now, last.departed_at)
    depot = route.vehicle.depot
    return (float(depot.latitude), float(depot.longitude)), max(now, route.start_at)


def move_preview_etas(
    *, stop: Stop, target: Route, position: int, now: dt.datetime | None = None
) -> list[dict]:
    """What moving `stop` to `position` of `target` does to the ETAs of both routes: per route,
    the stops still to visit in their new order with the ETA (and window) tracking's engine
    would then give — same arithmetic, travel times, learned speed ratio and error quantiles —
    next to the ETA they have now. Writes nothing; feasibility is routing's check."""
    now = now or clock.now()
    routes = [Route.objects.select_related("vehicle__depot", "eta").get(pk=stop.route_id)]
    if target.pk != stop.route_id:
        routes.append(Route.objects.select_related("vehicle__depot", "eta").get(pk=target.pk))
    provider = travel_provider()
    quantiles = error_quantiles()
    out = []
    for route in routes:
        tz = route.vehicle.depot.tzinfo
        seq = [
            s for s in route.stops.select_related("order").order_by("sequence") if s.pk != stop.pk
        ]
        if route.pk == target.pk:
            seq.insert(max(0, min(position - 1, len(seq))), stop)
        remaining = [s for s in seq if s.status in ACTIVE]
        results = {}
        if remaining:
            origin, ready_at = _vehicle_origin(route=route, stops=seq, now=now)
            state = getattr(route, "eta", None)
            for r in etas_compute(
                origin=origin,
                ready_at=ready_at,
                stops=[
                    EtaStop(
                        key=s.pk,
                        point=_point(s.order),
                        service_s=s.order.service_time_s,
                        window_start=s.window_start or s.order.window_start,
                        window_end=s.window_end or s.order.window_end,
                    )
                    for s in remaining
                    if _point(s.order)
                ],
                provider=provider,
                tz=tz,
                now=now,
                speed_ratio=state.speed_ratio if state else 1.0,
                quantiles=quantiles,
                default_base_s=tracking_conf.get("TRACKING_ETA_DEFAULT_BASE_S"),
                default_share=tracking_conf.get("TRACKING_ETA_DEFAULT_SHARE"),
            ):
                results[r.key] = r
        rows = []
        for n, s in enumerate(seq, start=1):
            if s.status not in ACTIVE:
                continue
            r = results.get(s.pk)
            current = s.eta or s.planned_arrival
            rows.append(
                {
                    "n": n,
                    "order": s.order.reference,
                    "window": f"{_hm(s.window_start or s.order.window_start, tz)}{DASH}"
                    f"{_hm(s.window_end or s.order.window_end, tz)}",
                    "new": _hm(r.eta, tz) if r else "",
                    "new_window": f"{_hm(r.low, tz)}{DASH}{_hm(r.high, tz)}" if r else "",
                    "is_late_risk": bool(r and r.is_late_risk),
                    "current": _hm(current, tz),
                    "is_moved": s.pk == stop.pk,
                }
            )
        out.append(
            {
                "route": route,
                "rows": rows,
                "done": sum(1 for s in seq if s.status not in ACTIVE),
                "emptied": not seq,
            }
        )
    return out
