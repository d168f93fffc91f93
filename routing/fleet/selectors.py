"""Fleet reads: lists for pages and the API, shifts the planner may use, and the week view
(shifts booked per depot and day next to the forecast volume)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from inventory.models import Warehouse
from inventory.selectors.stock import warehouses_today
from routing.fleet.models import DriverTimeOff
from routing.models import Driver, Shift, Vehicle


def vehicle_list() -> QuerySet[Vehicle]:
    return Vehicle.objects.select_related("depot").order_by("code")


def driver_list() -> QuerySet[Driver]:
    upcoming = DriverTimeOff.objects.filter(end_date__gte=warehouses_today()).order_by("start_date")
    return (
        Driver.objects.select_related("user", "default_vehicle")
        .prefetch_related(Prefetch("time_off", queryset=upcoming, to_attr="upcoming_time_off"))
        .order_by("user__username")
    )


def shift_list() -> QuerySet[Shift]:
    return (
        Shift.objects.select_related("vehicle__depot", "driver__user")
        .prefetch_related("extra_breaks")
        .annotate(driver_is_off=_driver_off())
        .order_by("date", "vehicle__depot__code", "start_time", "vehicle__code")
    )


def _driver_off():
    return Exists(
        DriverTimeOff.objects.filter(
            driver=OuterRef("driver"),
            start_date__lte=OuterRef("date"),
            end_date__gte=OuterRef("date"),
        )
    )


def shifts_workable(shifts: QuerySet[Shift]) -> QuerySet[Shift]:
    """`shifts` without those whose driver is on time off that day: the ones the planner and
    the capacity figures may count on."""
    return shifts.filter(~_driver_off())


def time_off_shifts(*, time_off: DriverTimeOff) -> list[Shift]:
    """Shifts of the driver booked on the days of `time_off` (to reassign)."""
    return list(
        shift_list().filter(
            driver_id=time_off.driver_id,
            date__gte=time_off.start_date,
            date__lte=time_off.end_date,
        )
    )


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


@dataclass
class WeekCell:
    """One depot's day: the capacity figures (routing.capacity.CapacityDay) and its shifts."""

    day: object  # CapacityDay
    shifts: list[Shift] = field(default_factory=list)


@dataclass
class WeekRow:
    depot: Warehouse
    cells: list[WeekCell]


def fleet_week(*, start: dt.date, depots) -> list[WeekRow]:
    """For each depot and each of the 7 days from `start`: shifts booked (count, working hours
    net of breaks, stop and parcel capacity) beside the forecast volume, as the capacity cards
    count them (routing.capacity.depot_capacity_outlook); the day's shifts listed, including
    any whose driver is off (flagged, not counted)."""
    from routing.capacity import depot_capacity_outlook

    depots = list(depots)
    by_day = defaultdict(list)
    for shift in shift_list().filter(
        vehicle__depot__in=depots, date__gte=start, date__lt=start + dt.timedelta(days=7)
    ):
        by_day[(shift.vehicle.depot_id, shift.date)].append(shift)
    rows = []
    for depot in depots:
        outlook = depot_capacity_outlook(depot=depot, start=start, days=7)
        rows.append(
            WeekRow(
                depot=depot,
                cells=[WeekCell(day=d, shifts=by_day.get((depot.pk, d.date), [])) for d in outlook],
            )
        )
    return rows
