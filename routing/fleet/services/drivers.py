"""Drivers: account, phone, skills, default vehicle, working days and hours, time off."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from core.exceptions import Conflict, NotFound, ValidationFailed
from core.roles import Role
from inventory.selectors.stock import warehouses_today
from routing.fleet.models import DriverTimeOff
from routing.fleet.services.common import clean_skills
from routing.models import Driver, Route, Shift, Vehicle

EDITABLE = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "skills",
    "default_vehicle",
    "working_days",
    "work_start",
    "work_end",
    "is_active",
)
USER_FIELDS = ("first_name", "last_name", "email")


def _check(fields: dict, *, current: Driver | None = None) -> dict:
    if "skills" in fields:
        fields["skills"] = clean_skills(fields["skills"])
    if "working_days" in fields:
        days = sorted(set(fields["working_days"] or []))
        bad = [d for d in days if not 1 <= d <= 7]
        if bad:
            raise ValidationFailed(
                "Working days are ISO weekdays, 1 (Monday) to 7 (Sunday).",
                field="working_days",
            )
        fields["working_days"] = days
    start = fields.get("work_start", current.work_start if current else None)
    end = fields.get("work_end", current.work_end if current else None)
    if (start is None) != (end is None):
        raise ValidationFailed(
            "Give both the start and the end of the working hours, or neither.",
            field="work_end" if end is None else "work_start",
        )
    if start is not None and start >= end:
        raise ValidationFailed("Working hours must end after they start.", field="work_end")
    vehicle = fields.get("default_vehicle")
    if isinstance(vehicle, Vehicle) and not vehicle.is_active:
        raise ValidationFailed(
            f"{vehicle.code} is not active.", field="default_vehicle", code="inactive"
        )
    return fields


@transaction.atomic
def driver_create(*, username: str, **fields) -> Driver:
    """A driver for the account `username`: an existing account (not yet a driver) or a new one
    without a password (an admin sets it before the first sign-in). The account gets the
    driver role, which opens the driver app."""
    username = (username or "").strip()
    if not username:
        raise ValidationFailed("A driver needs a username.", field="username", code="required")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(f"Unknown: {', '.join(sorted(unknown))}.", field="driver")
    fields = _check(dict(fields))
    User = get_user_model()
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        user = User(username=username)
        user.set_unusable_password()
    elif Driver.objects.filter(user=user).exists():
        raise Conflict(f"{username} is already a driver.", field="username", code="duplicate")
    for name in USER_FIELDS:
        if name in fields:
            setattr(user, name, fields.pop(name) or "")
    user.save()
    user.groups.add(Group.objects.get_or_create(name=Role.DRIVER)[0])
    return Driver.objects.create(user=user, **fields)


@transaction.atomic
def driver_update(*, driver: Driver, **fields) -> Driver:
    """Change a driver. Deactivating one with shifts from today on is refused (409 naming them):
    move or delete the shifts first."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(f"Not editable: {', '.join(sorted(unknown))}.", field="driver")
    driver = Driver.objects.select_for_update().select_related("user").get(pk=driver.pk)
    fields = _check(dict(fields), current=driver)
    if fields.get("is_active") is False and driver.is_active:
        booked = list(
            Shift.objects.filter(driver=driver, date__gte=warehouses_today()).order_by("date")[:5]
        )
        if booked:
            raise Conflict(
                f"{driver} has shifts booked from today on "
                f"({', '.join(f'#{s.pk} on {s.date}' for s in booked)}); move or delete them "
                "before deactivating the driver.",
                field="is_active",
                code="driver_has_shifts",
                extra={"shifts": [s.pk for s in booked]},
            )
    user_changed = False
    for name, value in fields.items():
        if name in USER_FIELDS:
            setattr(driver.user, name, value or "")
            user_changed = True
        else:
            setattr(driver, name, value)
    if user_changed:
        driver.user.save(update_fields=[n for n in USER_FIELDS if n in fields])
    driver.save()
    return driver


@transaction.atomic
def driver_delete(*, driver: Driver) -> None:
    """Delete a driver who never had a shift or a route (their account stays, without the
    driver role); one with history is deactivated instead (409 says so)."""
    driver = Driver.objects.select_for_update().select_related("user").get(pk=driver.pk)
    shifts = Shift.objects.filter(driver=driver).count()
    routes = Route.objects.filter(driver=driver).count()
    if shifts or routes:
        raise Conflict(
            f"{driver} has {shifts} shift(s) and {routes} route(s) on record; deactivate the "
            "driver instead of deleting them.",
            field="driver",
            code="driver_in_use",
        )
    user = driver.user
    driver.delete()
    user.groups.remove(*Group.objects.filter(name=Role.DRIVER))


@transaction.atomic
def driver_time_off_add(
    *, driver: Driver, start_date: dt.date, end_date: dt.date, reason: str = ""
) -> DriverTimeOff:
    """Days off, both ends included. Shifts already booked on them stay on the books (the
    dispatcher reassigns them; `time_off_shifts` lists them) but the planner leaves them out
    and no new shift may be booked on them. The driver row is locked so a shift booked at the
    same moment either sees this time off or is seen by it."""
    if start_date is None or end_date is None:
        raise ValidationFailed("Give the first and the last day off.", field="start_date")
    if end_date < start_date:
        raise ValidationFailed(
            "The last day off is before the first.", field="end_date", code="invalid_range"
        )
    if (end_date - start_date).days > 366:
        raise ValidationFailed("Time off is at most a year at a time.", field="end_date")
    if not Driver.objects.select_for_update().filter(pk=driver.pk).exists():
        raise NotFound("The driver no longer exists.", field="driver_id")
    return DriverTimeOff.objects.create(
        driver=driver, start_date=start_date, end_date=end_date, reason=(reason or "").strip()
    )


@transaction.atomic
def driver_time_off_remove(*, time_off: DriverTimeOff) -> None:
    """Delete a driver's time off, under the driver's lock (as adding does); 404 when the
    driver or the time off went in the meantime (a concurrent delete)."""
    if not Driver.objects.select_for_update().filter(pk=time_off.driver_id).exists():
        raise NotFound("The driver no longer exists.", field="driver_id")
    deleted, _ = DriverTimeOff.objects.filter(pk=time_off.pk).delete()
    if not deleted:
        raise NotFound("This time off no longer exists.", field="time_off_id")
