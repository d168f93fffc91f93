"""Capacity planning: forecast order volume per depot and day against the shifts booked.

Reads the volume forecast (`forecasting.selectors.volume_forecast`: expected stops
and parcels per local day, never below the orders already booked) and the shifts of the day at
the depot whose driver is not on time off. Capacity in stops = Σ shift working hours (minus
breaks) x stops per driver hour (the flat setting, or with `learned=True` the depot's own,
`depot_stops_rate`); in parcels = Σ the vehicles' unit capacity. A day is *short* when the
expected stops or parcels exceed it, *at risk* when the upper 80 % bound does.

Stops per driver hour are learned from what the optimiser's plans fitted: over the depot's
routes of optimised plans (ready or published) in the ROUTING_CAPACITY_LEARN_DAYS before the
day, stops served / route working hours (route end - start, minus its breaks), less a safety
margin (ROUTING_CAPACITY_MARGIN). A route's hours include its driving between stops, so a depot
whose customers lie far apart, or whose windows make vans wait, learns a lower rate than a
dense one. With too little history (fewer than ROUTING_CAPACITY_MIN_ROUTES routes or
ROUTING_CAPACITY_MIN_HOURS route hours) the flat `settings.FORECAST_STOPS_PER_DRIVER_HOUR`.

`capacity_dashboard_cards(user)` returns the dashboard cards (tomorrow and the next 7 days per
active depot) for `RoutingConfig.dashboard_cards` to include.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.template.defaultfilters import pluralize

from forecasting.selectors import volume_forecast
from inventory.models import Warehouse
from inventory.selectors.stock import warehouse_today
from routing.choices import PlanStatus
from routing.fleet.selectors import shifts_workable
from routing.models import Route, Shift

DEFAULT_STOPS_PER_DRIVER_HOUR = 4.0
LEARN_DAYS = 28
LEARN_MARGIN = 0.1
LEARN_MIN_ROUTES = 3
LEARN_MIN_HOURS = 6.0


@dataclass(frozen=True)
class StopsRate:
    """Stops a driver fits in an hour at a depot, and where the figure comes from."""

    per_driver_hour: float
    source: str  # "plans": learned from recent plans; "flat": the setting
    routes: int = 0
    route_hours: float = 0.0
    stops: int = 0


def _setting(name: str, default):
    return type(default)(getattr(settings, name, default))


def depot_stops_rate(*, depot: Warehouse, before: dt.date) -> StopsRate:
    """The depot's stops per driver hour for days from `before` on (see the module docstring):
    learned from the optimised plans of the days before it, else the flat setting. One query."""
    flat = _setting("FORECAST_STOPS_PER_DRIVER_HOUR", DEFAULT_STOPS_PER_DRIVER_HOUR)
    days = _setting("ROUTING_CAPACITY_LEARN_DAYS", LEARN_DAYS)
    rows = (
        Route.objects.filter(
            vehicle__depot=depot,
            plan__date__gte=before - dt.timedelta(days=days),
            plan__date__lt=before,
            plan__status__in=[PlanStatus.READY, PlanStatus.PUBLISHED],
        )
        .annotate(served=Count("stops"))
        .filter(served__gt=0)
        .values_list("served", "start_at", "end_at", "breaks")
    )
    routes, stops, seconds = 0, 0, 0.0
    for served, start_at, end_at, breaks in rows:
        paused = sum(int(b.get("duration_s") or 0) for b in breaks or [] if isinstance(b, dict))
        working = (end_at - start_at).total_seconds() - paused
        if working <= 0:
            continue
        routes, stops, seconds = routes + 1, stops + served, seconds + working
    hours = seconds / 3600
    if routes < _setting("ROUTING_CAPACITY_MIN_ROUTES", LEARN_MIN_ROUTES) or hours < _setting(
        "ROUTING_CAPACITY_MIN_HOURS", LEARN_MIN_HOURS
    ):
        return StopsRate(flat, "flat", routes, round(hours, 2), stops)
    margin = _setting("ROUTING_CAPACITY_MARGIN", LEARN_MARGIN)
    learned = stops / hours * (1 - margin)
    return StopsRate(round(learned, 3), "plans", routes, round(hours, 2), stops)


@dataclass
class CapacityDay:
    date: dt.date
    expected_stops: float
    expected_stops_hi80: float
    expected_parcels: float
    expected_parcels_hi80: float
    booked_stops: int
    shifts: int
    capacity_hours: float
    capacity_stops: float
    capacity_parcels: int
    has_forecast: bool
    stops_per_hour: float = DEFAULT_STOPS_PER_DRIVER_HOUR
    rate_source: str = "flat"  # "plans" when learned from recent plans (depot_stops_rate)

    @property
    def is_short(self) -> bool:
        return (
            self.expected_stops > self.capacity_stops
            or self.expected_parcels > self.capacity_parcels
        )

    @property
    def is_at_risk(self) -> bool:
        return (
            self.expected_stops_hi80 > self.capacity_stops
            or self.expected_parcels_hi80 > self.capacity_parcels
        )

    @property
    def missing_stops(self) -> float:
        return max(self.expected_stops - self.capacity_stops, 0.0)


def depot_capacity_outlook(
    *, depot: Warehouse, start: dt.date | None = None, days: int = 7, learned: bool = False
) -> list[CapacityDay]:
    """Expected volume vs booked capacity per day from `start` (default tomorrow). With
    `learned`, at the stops per driver hour the depot's recent plans achieved
    (`depot_stops_rate`, one more query); otherwise at the flat setting."""
    start = start or warehouse_today(depot) + dt.timedelta(days=1)
    if learned:
        rating = depot_stops_rate(depot=depot, before=start)
    else:
        flat = _setting("FORECAST_STOPS_PER_DRIVER_HOUR", DEFAULT_STOPS_PER_DRIVER_HOUR)
        rating = StopsRate(flat, "flat")
    rate = rating.per_driver_hour
    shifts = defaultdict(list)
    booked_shifts = Shift.objects.select_related("vehicle").prefetch_related("extra_breaks")
    for shift in shifts_workable(booked_shifts).filter(
        vehicle__depot=depot, date__gte=start, date__lt=start + dt.timedelta(days=days)
    ):
        shifts[shift.date].append(shift)
    out = []
    for day in volume_forecast(warehouse=depot, start=start, days=days):
        booked = shifts.get(day.date, [])
        hours = sum(s.working_hours for s in booked)
        out.append(
            CapacityDay(
                date=day.date,
                expected_stops=day.stops,
                expected_stops_hi80=day.stops_hi80,
                expected_parcels=day.parcels,
                expected_parcels_hi80=day.parcels_hi80,
                booked_stops=day.booked_stops,
                shifts=len(booked),
                capacity_hours=round(hours, 2),
                capacity_stops=round(hours * rate, 1),
                capacity_parcels=sum(s.vehicle.capacity_units for s in booked),
                has_forecast=day.has_forecast,
                stops_per_hour=rate,
                rate_source=rating.source,
            )
        )
    return out


def depot_capacity_version(*, depot: Warehouse, start: dt.date, days: int) -> str:
    """A fingerprint of the shifts booked at the depot over the days and of drivers' time off:
    it changes whenever a shift is booked, edited or removed or time off is recorded, so a
    cached outlook can be keyed on it. One query."""
    end = start + dt.timedelta(days=days)
    sql = (
        "SELECT count(s.id), coalesce(sum(s.id), 0), max(s.updated_at), "
        "(SELECT count(*) || ':' || coalesce(sum(t.id), 0) || ':' "
        "|| coalesce(extract(epoch from max(t.updated_at))::text, '') "
        "FROM routing_drivertimeoff t WHERE t.end_date >= %s AND t.start_date < %s) "
        "FROM routing_shift s JOIN routing_vehicle v ON v.id = s.vehicle_id "
        "WHERE v.depot_id = %s AND s.date >= %s AND s.date < %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, end, depot.pk, start, end])
        count, ids, last, time_off = cursor.fetchone()
    return f"{count}:{ids}:{last.timestamp() if last else ''}:{time_off}"


def capacity_dashboard_cards(user) -> list:
    """Per active depot: tomorrow's expected stops against capacity, and the days short in the
    next week. Dispatchers only."""
    from django.urls import reverse

    from core.navigation import DashboardCard
    from core.roles import Role, user_has_role

    if not user_has_role(user, Role.DISPATCHER):
        return []
    cards = []
    for depot in Warehouse.objects.filter(is_active=True).order_by("code"):
        outlook = depot_capacity_outlook(depot=depot, days=7)
        if not outlook or not any(d.has_forecast or d.booked_stops or d.shifts for d in outlook):
            continue
        tomorrow = outlook[0]
        # The week view beside the forecast is where the dispatcher books the missing shifts.
        url = f"{reverse('routing:fleet-week')}?depot={depot.code}&start={tomorrow.date}"
        short = [d for d in outlook if d.is_short]
        tone = "bad" if tomorrow.is_short else "warn" if tomorrow.is_at_risk else "good"
        cards.append(
            DashboardCard(
                f"Tomorrow · {depot.code}",
                f"{tomorrow.expected_stops:.0f} / {tomorrow.capacity_stops:.0f}",
                url=url,
                hint=(
                    f"expected stops / capacity of {tomorrow.shifts} "
                    f"shift{pluralize(tomorrow.shifts)}; "
                    f"{tomorrow.expected_parcels:.0f} parcels"
                ),
                tone=tone,
                roles=(Role.DISPATCHER,),
            )
        )
        week_stops = sum(d.expected_stops for d in outlook)
        cards.append(
            DashboardCard(
                f"Next 7 days · {depot.code}",
                f"{len(short)} day{pluralize(len(short))} short",
                url=url,
                hint=(
                    f"{week_stops:.0f} stops expected"
                    + (
                        "; short on " + ", ".join(d.date.strftime("%a %d %b") for d in short)
                        if short
                        else ""
                    )
                ),
                tone="bad" if short else "good",
                roles=(Role.DISPATCHER,),
            )
        )
    return cards
