"""Position pings: validate, drop duplicates, store, and ask for an ETA recompute."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from psycopg2.extras import execute_values

from core.exceptions import NotFound, ValidationFailed
from routing.models import PlanStatus, Route, RouteStatus, Vehicle
from tracking import clock, conf
from tracking.models import PositionPing
from tracking.services.cache_client import redis_client

_RANGES = {
    "latitude": (-90.0, 90.0),
    "longitude": (-180.0, 180.0),
    "speed_kmh": (0.0, 300.0),
    "heading_deg": (0.0, 360.0),
    "accuracy_m": (0.0, 100_000.0),
}
REQUIRED = ("time", "latitude", "longitude")


@dataclass(frozen=True)
class PingBatchResult:
    vehicle: Vehicle
    route: Route | None
    received: int
    stored: int

    @property
    def duplicates(self) -> int:
        return self.received - self.stored


def _driver_route_today_row(*, user, now: dt.datetime) -> tuple | None:
    """(route id, status, vehicle id, vehicle code) of the driver's route today (see
    `driver_route_today`), from one narrow query."""
    utc_day = now.date()
    rows = (
        Route.objects.filter(
            driver__user=user,
            plan__status=PlanStatus.PUBLISHED,
            plan__date__range=(utc_day - dt.timedelta(days=1), utc_day + dt.timedelta(days=1)),
        )
        .order_by("start_at", "pk")
        .values_list(
            "pk", "status", "vehicle_id", "vehicle__code", "plan__date", "vehicle__depot__timezone"
        )
    )
    today = [row[:4] for row in rows if row[4] == now.astimezone(zoneinfo.ZoneInfo(row[5])).date()]
    active = [row for row in today if row[1] != RouteStatus.COMPLETED]
    return (active or today)[0] if today else None


def driver_route_today(*, user, now: dt.datetime | None = None) -> Route | None:
    """The published route the driver drives today (the depot's local date): the one not yet
    completed first, else the last completed one. None when there is none."""
    row = _driver_route_today_row(user=user, now=now or clock.now())
    if row is None:
        return None
    return Route.objects.select_related("plan", "vehicle__depot", "shift", "driver").get(pk=row[0])


def pings_clean(*, pings, now: dt.datetime) -> list[dict]:
    """Check every ping; the first bad value raises ValidationFailed naming `pings[i].field`.
    Exact duplicates (same time) inside the batch keep the first."""
    if not isinstance(pings, list) or not pings:
        raise ValidationFailed("Send a non-empty list of pings.", field="pings", code="required")
    limit = conf.get("TRACKING_PING_MAX_BATCH")
    if len(pings) > limit:
        raise ValidationFailed(f"At most {limit} pings per request.", field="pings")
    max_future = now + dt.timedelta(seconds=conf.get("TRACKING_PING_MAX_FUTURE_S"))
    oldest = now - dt.timedelta(days=conf.get("TRACKING_PING_RETENTION_DAYS"))
    out: dict[dt.datetime, dict] = {}
    for index, ping in enumerate(pings):
        where = f"pings[{index}]"
        if not isinstance(ping, dict):
            raise ValidationFailed("Each ping is an object.", field=where)
        for name in REQUIRED:
            if ping.get(name) in (None, ""):
                raise ValidationFailed(
                    f"{name} is required.", field=f"{where}.{name}", code="required"
                )
        at = ping["time"]
        if not isinstance(at, dt.datetime) or at.tzinfo is None:
            raise ValidationFailed(
                "time must be an ISO 8601 date-time with an offset.", field=f"{where}.time"
            )
        if at > max_future:
            raise ValidationFailed(
                "time is more than a minute in the future; check the device clock.",
                field=f"{where}.time",
                code="in_future",
            )
        if at < oldest:
            raise ValidationFailed(
                "time is older than the ping retention.", field=f"{where}.time", code="too_old"
            )
        clean = {"time": at}
        for name, (low, high) in _RANGES.items():
            value = ping.get(name)
            if value is None:
                clean[name] = None
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                raise ValidationFailed(f"{name} must be a number.", field=f"{where}.{name}")
            if not low <= value <= high:
                raise ValidationFailed(
                    f"{name} must be between {low:g} and {high:g}.",
                    field=f"{where}.{name}",
                    code="out_of_range",
                )
            clean[name] = float(value)
        out.setdefault(at, clean)
    return list(out.values())


def pings_record(
    *, vehicle: Vehicle, route: Route | None, pings, now: dt.datetime | None = None
) -> PingBatchResult:
    """Store a batch of pings of one vehicle. Pings already stored for that vehicle and time are
    dropped (unique constraint, ON CONFLICT DO NOTHING), so a resent batch changes nothing.
    After commit, the route's ETAs are recomputed (debounced)."""
    now = now or clock.now()
    clean = pings_clean(pings=pings, now=now)
    rows = [
        (
            vehicle.pk,
            route.pk if route else None,
            p["time"],
            p["latitude"],
            p["longitude"],
            p["speed_kmh"],
            p["heading_deg"],
            p["accuracy_m"],
            now,
        )
        for p in clean
    ]
    table = PositionPing._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        stored = execute_values(
            cursor.cursor if hasattr(cursor, "cursor") else cursor,
            f"INSERT INTO {table} (vehicle_id, route_id, time, latitude, longitude, speed_kmh, "  # noqa: S608
            "heading_deg, accuracy_m, received_at) VALUES %s "
            "ON CONFLICT (vehicle_id, time) DO NOTHING RETURNING id",
            rows,
            fetch=True,
        )
        if stored and route is not None and route.status != RouteStatus.COMPLETED:
            from tracking.services.eta import eta_request

            route_id = route.pk
            transaction.on_commit(lambda: eta_request(route_id=route_id), robust=True)
    return PingBatchResult(vehicle=vehicle, route=route, received=len(pings), stored=len(stored))


# The driver's route as the pings see it, remembered briefly: every ping request asked the
# database for it (a six-table join that costs more to plan than to run) although it changes a
# few times a day at most.
DRIVER_ROUTE_KEY = "tracking:driver-route:{}"
DRIVER_ROUTE_TTL_S = 30


def _driver_route_for_pings(*, user, now: dt.datetime) -> Route | None:
    """`driver_route_today` for the pings API, cached DRIVER_ROUTE_TTL_S per driver (only a
    found route: a driver without one keeps asking the database). A plan re-published or a
    route completed meanwhile shows after at most that long; pings are stored by vehicle
    either way, and the ETA engine re-reads the route's status before recomputing. Returns
    an unsaved Route and Vehicle carrying only the ids, status and code the pings need."""
    client, key = redis_client(), cache.make_key(DRIVER_ROUTE_KEY.format(user.pk))
    cached = client.get(key)
    if cached is not None:
        route_id, status, vehicle_id, vehicle_code = cached.decode().split("|", 3)
        row = (int(route_id), status, int(vehicle_id), vehicle_code)
    else:
        row = _driver_route_today_row(user=user, now=now)
        if row is None:
            return None
        client.set(key, "|".join(str(v) for v in row), ex=DRIVER_ROUTE_TTL_S)
    route_id, status, vehicle_id, vehicle_code = row
    return Route(pk=route_id, status=status, vehicle=Vehicle(pk=vehicle_id, code=vehicle_code))


def driver_pings_record(*, user, pings, vehicle_code: str | None = None) -> PingBatchResult:
    """Pings from the driver app: they belong to the vehicle of the driver's route today.
    Naming another vehicle, or having no route today, answers 404."""
    now = clock.now()
    route = _driver_route_for_pings(user=user, now=now)
    if route is None or (vehicle_code and vehicle_code != route.vehicle.code):
        raise NotFound("No vehicle of yours is on a route today.", field="vehicle")
    return pings_record(vehicle=route.vehicle, route=route, pings=pings, now=now)


def pings_prune(*, now: dt.datetime | None = None) -> int:
    """Delete pings older than TRACKING_PING_RETENTION_DAYS; returns how many."""
    now = now or clock.now()
    cutoff = now - dt.timedelta(days=conf.get("TRACKING_PING_RETENTION_DAYS"))
    deleted, _ = PositionPing.objects.filter(time__lt=cutoff).delete()
    return deleted
