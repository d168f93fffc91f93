"""The day's rows behind the board: depots and drivers, the published routes with their stops,
the vehicles' latest positions, and cheap version stamps so a poll with nothing new costs one
query. The route/stop/ping queries are the board's own because it needs more than the tracking
live list selects (shifts for the shift end, customers for search, the latest ping per vehicle
in one query)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import connection
from django.db.models import Prefetch

from dispatch import conf
from dispatch.selectors.shapes import ORDER_FIELDS, STOP_FIELDS, BoardFilters
from inventory.models import Warehouse
from orders.models import CustomerOrder
from routing.models import (
    Driver,
    OptimizationJob,
    Plan,
    PlanStatus,
    Route,
    RouteStatus,
    Stop,
)
from tracking.late_risk import operations_day
from tracking.models import PositionPing, RouteEta, StopEta


def board_day_default(*, now: dt.datetime | None = None) -> dt.date:
    """Today in the first depot's zone (the simulated clock's today when one runs): tracking's
    operations day, as the Deliveries table and the dashboard read it."""
    return operations_day(now=now)


def board_depots() -> list[Warehouse]:
    return list(Warehouse.objects.filter(vehicles__isnull=False).distinct().order_by("code"))


def board_drivers(*, day: dt.date) -> list[Driver]:
    return list(
        Driver.objects.filter(shifts__date=day).select_related("user").order_by("user__username")
    )


def day_routes(filters: BoardFilters):
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
        Stop.objects.select_related("order__customer", "order__delivery_pin", "eta_state")
        .only(
            *STOP_FIELDS,
            *(f"order__{f}" for f in ORDER_FIELDS),
            "order__customer__name",
            "order__delivery_pin__state",
            "eta_state__is_late_risk",
            "eta_state__is_next",
            "eta_state__stop_id",
        )
        .order_by("sequence")
    )
    return list(
        day_routes(filters)
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


def is_stale(position: dict, now: dt.datetime) -> bool:
    return (now - position["time"]).total_seconds() > conf.get("DISPATCH_STALE_PING_S")


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    # Wide enough for every time zone (the same margin routing.selectors.plannable_orders uses).
    start = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(hours=14)
    return start, start + dt.timedelta(hours=24 + 28)


def board_version(*, day: dt.date, eta_resolution_s: int = 0) -> str:
    """A stamp that changes whenever anything the board shows for `day` changes: stops (status,
    sequence, route), ETA flags, routes, plans, optimisation jobs, the orders of the day (new
    unassigned ones, rescheduled, cancelled) and ETA recomputes — which a pinging fleet causes
    every few seconds, so they count at most once per `eta_resolution_s` when given. One query."""
    start, end = day_bounds(day)
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
        f"{vid}:{p['time'].timestamp():.0f}" if exact else f"{vid}:{int(is_stale(p, now))}"
        for vid, p in sorted(positions.items())
    ]
    return hashlib.sha1(";".join(parts).encode(), usedforsecurity=False).hexdigest()[:12]
