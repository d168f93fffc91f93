"""Capacity planning: forecast order volume per depot and day against the shifts booked.

Reads the volume forecast (`forecasting.selectors.volume_forecast`: expected stops
and parcels per local day, never below the orders already booked) and the shifts of the day at
the depot whose driver is not on time off. Capacity in stops = Σ shift working hours (minus
breaks) x
`settings.FORECAST_STOPS_PER_DRIVER_HOUR`; in parcels = Σ the vehicles' unit capacity. A day is
*short* when the expected stops or parcels exceed it, *at risk* when the upper 80 % bound does.

`capacity_dashboard_cards(user)` returns the dashboard cards (tomorrow and the next 7 days per
active depot) for `RoutingConfig.dashboard_cards` to include.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import pluralize

from forecasting.selectors import volume_forecast
from inventory.models import Warehouse
from inventory.selectors.stock import warehouse_today
from routing.fleet.selectors import shifts_workable
from routing.models import Shift

DEFAULT_STOPS_PER_DRIVER_HOUR = 4.0


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
    *, depot: Warehouse, start: dt.date | None = None, days: int = 7
) -> list[CapacityDay]:
    """Expected volume vs booked capacity per day from `start` (default tomorrow)."""
    start = start or warehouse_today(depot) + dt.timedelta(days=1)
    rate = float(getattr(settings, "FORECAST_STOPS_PER_DRIVER_HOUR", DEFAULT_STOPS_PER_DRIVER_HOUR))
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
            )
        )
    return out


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
