"""Shifts: a driver with a vehicle on a day, from start to end, with breaks.

Rules (every write checks all of them, whoever calls): the shift ends after it starts on the
same day; each break starts inside the shift and ends by its end; the shift's depot is its
vehicle's home depot; vehicle and driver are active; the day is one of the driver's working
days and inside their working hours; the driver is not on time off (409); neither the driver
nor the vehicle has another shift that overlaps it or falls on the same day (409 naming the
other shift: the planner runs one shift per vehicle a day, the driver app one per driver).
The driver and vehicle rows are locked (vehicle first, then driver, always) before the checks,
so two bookings at once cannot both pass; the day-unique constraints back that up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from core.exceptions import Conflict, ValidationFailed
from core.timefmt import DASH, span
from inventory.models import Warehouse
from routing.fleet.models import MAX_BREAK_S, DriverTimeOff, ShiftBreak
from routing.models import Driver, Route, Shift, Vehicle

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class BreakSpec:
    """A break of `duration_s` that starts between `earliest` and `latest` (wall-clock)."""

    earliest: dt.time
    latest: dt.time
    duration_s: int


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def shift_label(shift: Shift) -> str:
    """'#12 (VAN-2, Ada Driver, Tue 2026-12-08 08:00-16:00 Europe/Berlin)'."""
    depot = shift.vehicle.depot
    return (
        f"#{shift.pk} ({shift.vehicle.code}, {shift.driver}, {shift.date:%a %Y-%m-%d} "
        f"{span(shift.start_at, shift.end_at, depot)} {depot.timezone})"
    )


def _check_times(start_time, end_time, breaks: list[BreakSpec]) -> None:
    if start_time is None or end_time is None:
        raise ValidationFailed("Give the shift's start and end.", field="start_time")
    if end_time <= start_time:
        raise ValidationFailed(
            "The shift must end after it starts, on the same day.",
            field="end_time",
            code="invalid_range",
        )
    shift_s = _seconds(end_time) - _seconds(start_time)
    for i, b in enumerate(breaks):
        where = f"breaks[{i}]"
        if not 0 < b.duration_s <= MAX_BREAK_S:
            raise ValidationFailed(
                f"A break lasts 1 second to {MAX_BREAK_S // 3600} hours.",
                field=f"{where}.duration_s",
            )
        if b.latest < b.earliest:
            raise ValidationFailed(
                "The break's latest start is before its earliest start.",
                field=f"{where}.latest",
                code="invalid_range",
            )
        if b.earliest < start_time or _seconds(b.latest) + b.duration_s > _seconds(end_time):
            raise ValidationFailed(
                f"The break ({b.earliest:%H:%M}{DASH}{b.latest:%H:%M} start, "
                f"{b.duration_s // 60} min) must start and end inside the shift "
                f"({start_time:%H:%M}{DASH}{end_time:%H:%M}).",
                field=where,
                code="break_outside_shift",
            )
    if sum(b.duration_s for b in breaks) >= shift_s:
        raise ValidationFailed("The breaks take the whole shift.", field="breaks")


def _check_driver_day(driver: Driver, date: dt.date, start_time, end_time) -> None:
    if date.isoweekday() not in driver.working_days:
        raise ValidationFailed(
            f"{driver} does not work on {date:%A}s (working days: "
            f"{driver.weekday_names or 'none'}).",
            field="date",
            code="not_a_working_day",
        )
    if driver.work_start is not None and (
        start_time < driver.work_start or end_time > driver.work_end
    ):
        raise ValidationFailed(
            f"{driver} works {driver.work_start:%H:%M}{DASH}{driver.work_end:%H:%M}; the shift "
            f"({start_time:%H:%M}{DASH}{end_time:%H:%M}) is outside those hours.",
            field="start_time" if start_time < driver.work_start else "end_time",
            code="outside_working_hours",
        )
    off = (
        DriverTimeOff.objects.filter(driver=driver, start_date__lte=date, end_date__gte=date)
        .order_by("start_date")
        .first()
    )
    if off is not None:
        reason = f" ({off.reason})" if off.reason else ""
        raise Conflict(
            f"{driver} is off from {off.start_date} to {off.end_date}{reason}.",
            field="driver",
            code="driver_time_off",
            extra={"time_off": off.pk},
        )


def _check_clashes(shift: Shift) -> None:
    """409 naming the other shift when the driver or the vehicle is already booked then."""
    start, end = shift.start_at, shift.end_at
    nearby = (
        Shift.objects.filter(date__range=(shift.date - DAY, shift.date + DAY))
        .select_related("vehicle__depot", "driver__user")
        .order_by("date", "start_time")
    )
    if shift.pk:
        nearby = nearby.exclude(pk=shift.pk)
    for who, field, rows in (
        ("driver", "driver", nearby.filter(driver=shift.driver)),
        ("vehicle", "vehicle", nearby.filter(vehicle=shift.vehicle)),
    ):
        for other in rows:
            overlaps = other.start_at < end and start < other.end_at
            if not overlaps and other.date != shift.date:
                continue
            name = str(shift.driver) if who == "driver" else shift.vehicle.code
            why = "overlaps" if overlaps else "is on the same day as"
            raise Conflict(
                f"The shift {why} {name}'s shift {shift_label(other)}"
                + ("" if overlaps else f"; a {who} has one shift a day")
                + ".",
                field=field,
                code="shift_overlap" if overlaps else "shift_same_day",
                extra={"conflicting_shift": other.pk},
            )


def _save(shift: Shift, breaks: list[BreakSpec]) -> Shift:
    first, rest = (breaks[0], breaks[1:]) if breaks else (None, [])
    shift.break_earliest = first.earliest if first else None
    shift.break_latest = first.latest if first else None
    shift.break_duration_s = first.duration_s if first else 0
    try:
        with transaction.atomic():
            shift.save()
    except IntegrityError:
        # Only a booking that slipped past the locks (written without this service) gets here.
        raise Conflict(
            "The driver or the vehicle already has a shift that day.",
            field="date",
            code="shift_same_day",
        ) from None
    ShiftBreak.objects.filter(shift=shift).delete()
    ShiftBreak.objects.bulk_create(
        ShiftBreak(shift=shift, earliest=b.earliest, latest=b.latest, duration_s=b.duration_s)
        for b in rest
    )
    return Shift.objects.select_related("vehicle__depot", "driver__user").get(pk=shift.pk)


def _lock(vehicle: Vehicle, driver: Driver) -> tuple[Vehicle, Driver]:
    vehicle = Vehicle.objects.select_for_update().select_related("depot").get(pk=vehicle.pk)
    driver = Driver.objects.select_for_update().select_related("user").get(pk=driver.pk)
    return vehicle, driver


def _validate(shift: Shift, breaks: list[BreakSpec], depot: Warehouse | None) -> None:
    _check_times(shift.start_time, shift.end_time, breaks)
    if depot is not None and depot.pk != shift.vehicle.depot_id:
        raise ValidationFailed(
            f"{shift.vehicle.code} is based at {shift.vehicle.depot.code}; a shift starts at "
            "its vehicle's home depot.",
            field="depot",
            code="depot_mismatch",
        )
    if not shift.vehicle.is_active:
        raise ValidationFailed(f"{shift.vehicle.code} is not active.", field="vehicle")
    if not shift.driver.is_active:
        raise ValidationFailed(f"{shift.driver} is not active.", field="driver")
    _check_driver_day(shift.driver, shift.date, shift.start_time, shift.end_time)
    _check_clashes(shift)


def _sorted(breaks) -> list[BreakSpec]:
    return sorted(breaks or [], key=lambda b: (b.earliest, b.latest))


@transaction.atomic
def shift_create(
    *,
    driver: Driver,
    vehicle: Vehicle,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    breaks=(),
    depot: Warehouse | None = None,
) -> Shift:
    """Book `driver` with `vehicle` on `date` (times wall-clock at the vehicle's depot)."""
    breaks = _sorted(breaks)
    vehicle, driver = _lock(vehicle, driver)
    shift = Shift(
        driver=driver, vehicle=vehicle, date=date, start_time=start_time, end_time=end_time
    )
    _validate(shift, breaks, depot)
    return _save(shift, breaks)


def _has_routes(shift: Shift, verb: str) -> None:
    route = Route.objects.filter(shift=shift).select_related("plan").first()
    if route is not None:
        raise Conflict(
            f"Shift #{shift.pk} drives route {route.sequence} of plan {route.plan.reference}; "
            f"it cannot be {verb} (plan a new one instead).",
            field="shift",
            code="shift_in_use",
            extra={"plan": route.plan.reference},
        )


@transaction.atomic
def shift_update(*, shift: Shift, breaks=None, depot: Warehouse | None = None, **fields) -> Shift:
    """Change a shift that no plan has routed yet (409 otherwise); every rule is checked again.
    `breaks=None` keeps the breaks, a list replaces them."""
    unknown = set(fields) - {"driver", "vehicle", "date", "start_time", "end_time"}
    if unknown:
        raise ValidationFailed(f"Not editable: {', '.join(sorted(unknown))}.", field="shift")
    current = Shift.objects.select_for_update().get(pk=shift.pk)
    _has_routes(current, "changed")
    if breaks is None:
        breaks = [BreakSpec(*b) for b in current.breaks]
    breaks = _sorted(breaks)
    vehicle, driver = _lock(
        fields.get("vehicle", current.vehicle), fields.get("driver", current.driver)
    )
    for name in ("date", "start_time", "end_time"):
        setattr(current, name, fields.get(name, getattr(current, name)))
    current.vehicle, current.driver = vehicle, driver
    _validate(current, breaks, depot)
    return _save(current, breaks)


@transaction.atomic
def shift_delete(*, shift: Shift) -> None:
    """Delete a shift no route uses (409 otherwise); drafts that listed it forget it."""
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    _has_routes(shift, "deleted")
    shift.delete()
