"""Order volume per depot and day (capacity planning): the stored volume forecast, never below
the orders already booked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate

from forecasting.models import Forecast, ForecastMetric
from inventory.models import Warehouse
from inventory.selectors.stock import warehouse_today
from orders.models import CustomerOrder, OrderStatus


@dataclass
class VolumeDay:
    date: date
    stops: float  # expected stops: max(forecast, orders already booked for that day)
    stops_hi80: float
    parcels: float
    parcels_hi80: float
    booked_stops: int
    has_forecast: bool


def volume_forecast(
    *, warehouse: Warehouse, start: date | None = None, days: int = 7
) -> list[VolumeDay]:
    """Expected stops and parcels per local day at a depot from `start` (default tomorrow) for
    `days` days: the stored volume forecast, never below the orders already booked for the day.

    `volume_forecast(*, warehouse, start=None, days=7) -> list[VolumeDay]`; routing compares it
    with the shifts planned (routing.capacity). Days beyond the stored horizon, or a depot never
    forecast, count the booked orders only (`has_forecast` False).
    """
    if start is None:
        start = warehouse_today(warehouse) + timedelta(days=1)
    rows = {
        f.metric: f
        for f in Forecast.objects.filter(
            warehouse=warehouse, metric__in=[ForecastMetric.STOPS, ForecastMetric.PARCELS]
        )
    }
    tz = warehouse.tzinfo
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(start + timedelta(days=days), time.min, tzinfo=tz)
    booked = {
        row["day"]: row["n"]
        for row in CustomerOrder.objects.filter(
            warehouse=warehouse, window_start__gte=since, window_start__lt=until
        )
        .exclude(status=OrderStatus.CANCELLED)
        .annotate(day=TruncDate("window_start", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    }

    def value(metric, day, attr):
        f = rows.get(metric)
        if f is None:
            return None
        i = (day - f.start_date).days
        if 0 <= i < len(f.point):
            return getattr(f, attr)[i]
        return None

    out = []
    for i in range(days):
        day = start + timedelta(days=i)
        stops = value(ForecastMetric.STOPS, day, "point")
        booked_n = booked.get(day, 0)
        out.append(
            VolumeDay(
                date=day,
                stops=max(stops or 0.0, booked_n),
                stops_hi80=max(value(ForecastMetric.STOPS, day, "hi80") or 0.0, booked_n),
                parcels=value(ForecastMetric.PARCELS, day, "point") or 0.0,
                parcels_hi80=value(ForecastMetric.PARCELS, day, "hi80") or 0.0,
                booked_stops=booked_n,
                has_forecast=stops is not None,
            )
        )
    return out
