"""Make a scenario day look live: ETAs computed, vehicles with recent pings between their last
and next stop (one of them stale), a failed delivery and an unassigned order."""

from __future__ import annotations

import datetime as dt
import math

from orders.models import OrderStatus
from routing.models import StopStatus
from tests.dispatch.scenario import Day
from tests.factories import CustomerOrderFactory, OrderLineFactory
from tracking.services import pings_record, route_etas_refresh, stop_fail


def heading(a, b) -> float:
    d_lon = math.radians(b[1] - a[1])
    lat1, lat2 = math.radians(a[0]), math.radians(b[0])
    x = math.sin(d_lon) * math.cos(lat2)
    y = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(d_lon)
    return (math.degrees(math.atan2(x, y)) + 360) % 360


def ping_between(day: Day, k: int, share: float = 0.5, age_s: int = 20, far_km: float = 0):
    """Ping route k's vehicle `share` of the way from its last done stop to its next one (or
    `far_km` out of its way), `age_s` seconds before the scenario's now."""
    route = day.routes[k]
    stops = day.stops[k]
    done = [s for s in stops if s.status != StopStatus.PLANNED]
    nxt = next(s for s in stops if s.status == StopStatus.PLANNED)
    a = (float(done[-1].order.latitude), float(done[-1].order.longitude)) if done else None
    a = a or (float(day.depot.latitude), float(day.depot.longitude))
    b = (float(nxt.order.latitude), float(nxt.order.longitude))
    lat, lon = a[0] + (b[0] - a[0]) * share, a[1] + (b[1] - a[1]) * share
    if far_km:
        lat -= far_km / 111.0
    pings_record(
        vehicle=route.vehicle,
        route=route,
        pings=[
            {
                "time": day.now - dt.timedelta(seconds=age_s),
                "latitude": lat,
                "longitude": lon,
                "speed_kmh": 28.0,
                "heading_deg": round(heading((lat, lon), b)),
                "accuracy_m": 8.0,
            }
        ],
        now=day.now,
    )
    return lat, lon


def narrow_window(day: Day, stop, start: dt.datetime, end: dt.datetime) -> None:
    """Give a stop (and its order) a tight time window."""
    type(stop.order).objects.filter(pk=stop.order_id).update(window_start=start, window_end=end)
    type(stop).objects.filter(pk=stop.pk).update(window_start=start, window_end=end)
    stop.refresh_from_db()
    stop.order.refresh_from_db()


def make_live(
    day: Day, *, stale: int | None = None, failed: int | None = None, late: tuple | None = None
) -> None:
    if late is not None:
        k, j = late
        narrow_window(day, day.stops[k][j], day.now - dt.timedelta(hours=1), day.now)
    for k, route in enumerate(day.routes):
        if route.status == "planned":
            continue
        ping_between(day, k, share=0.3 + 0.15 * k, age_s=20 * 60 if k == stale else 20)
    if failed is not None:
        stop = next(s for s in day.stops[failed] if s.status == StopStatus.PLANNED)
        stop_fail(stop=stop, reason="customer_absent", at=day.now - dt.timedelta(minutes=12))
    for route in day.routes:
        route_etas_refresh(route_id=route.pk, now=day.now)


def unassigned_order(day: Day, n: int = 1):
    order = CustomerOrderFactory(
        reference=f"ORD-{day.day.year}-9{n:05d}",
        warehouse=day.depot,
        status=OrderStatus.PACKED,
        window_start=day.at(13),
        window_end=day.at(16),
        latitude=day.depot.latitude,
        longitude=day.depot.longitude,
    )
    OrderLineFactory(order=order, product=day.product, quantity=1)
    return order
