"""Fleet parts of the routing models: a driver's availability (fields of `routing.Driver`) and
time off, a shift's times and further breaks. Registered with the routing app through
routing.models, which builds `Driver` and `Shift` on these."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel

MAX_BREAK_S = 4 * 3600


def all_weekdays() -> list[int]:
    return [1, 2, 3, 4, 5, 6, 7]


class DriverAvailability(models.Model):
    """When a driver works: ISO weekdays (1 = Monday) and, when set, the hours of those days
    (wall-clock, the depot's zone); the vehicle they usually drive."""

    default_vehicle = models.ForeignKey(
        "routing.Vehicle",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="default_drivers",
    )
    working_days = ArrayField(
        models.PositiveSmallIntegerField(), default=all_weekdays, blank=True, size=7
    )
    work_start = models.TimeField(null=True, blank=True)
    work_end = models.TimeField(null=True, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(working_days__contained_by=all_weekdays()),
                name="driver_working_days_iso",
            ),
            models.CheckConstraint(
                condition=Q(work_start__isnull=True, work_end__isnull=True)
                | Q(work_start__lt=F("work_end")),
                name="driver_work_hours_ordered",
            ),
        ]

    @property
    def weekday_names(self) -> str:
        names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        return ", ".join(names[d - 1] for d in sorted(self.working_days))


class ShiftTimes:
    """A shift's moments and breaks (`routing.Shift` holds date, times and the first break)."""

    @property
    def depot(self):
        """Where the shift starts and ends: its vehicle's home depot (as the planner reads it)."""
        return self.vehicle.depot

    @property
    def start_at(self) -> dt.datetime:
        return self.at(self.start_time)

    @property
    def end_at(self) -> dt.datetime:
        return self.at(self.end_time)

    @cached_property
    def breaks(self) -> list[tuple[dt.time, dt.time, int]]:
        """Every break as (earliest start, latest start, duration_s), earliest first: the first
        in the shift's own columns, more in `extra_breaks` (prefetch it for lists). Read once
        per instance: the services hand back fresh rows after a write."""
        out = [(b.earliest, b.latest, b.duration_s) for b in self.extra_breaks.all()]
        if self.break_duration_s:
            out.append((self.break_earliest, self.break_latest, self.break_duration_s))
        return sorted(out)

    @property
    def break_total_s(self) -> int:
        return sum(duration for _, _, duration in self.breaks)

    @property
    def working_hours(self) -> float:
        span = dt.datetime.combine(self.date, self.end_time) - dt.datetime.combine(
            self.date, self.start_time
        )
        return max(span.total_seconds() - self.break_total_s, 0) / 3600


class DriverTimeOff(TimeStampedModel):
    """Whole days (both ends included) a driver does not work: the planner leaves their shifts
    on those days out, and no shift may be booked on them."""

    driver = models.ForeignKey("routing.Driver", on_delete=models.CASCADE, related_name="time_off")
    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["driver", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=F("end_date")), name="time_off_ordered"
            ),
        ]
        indexes = [models.Index(fields=["driver", "end_date"], name="time_off_driver_end_idx")]

    def __str__(self) -> str:
        return f"{self.driver} off {self.start_date} to {self.end_date}"


class ShiftBreak(models.Model):
    """A shift's second and later breaks (the first is on the shift's own columns, which the
    planner and other readers have always used): taken for `duration_s`, starting between
    `earliest` and `latest` (wall-clock, the depot's zone)."""

    shift = models.ForeignKey(
        "routing.Shift", on_delete=models.CASCADE, related_name="extra_breaks"
    )
    earliest = models.TimeField()
    latest = models.TimeField()
    duration_s = models.PositiveIntegerField(validators=[MaxValueValidator(MAX_BREAK_S)])

    class Meta:
        ordering = ["shift", "earliest"]
        constraints = [
            models.CheckConstraint(
                condition=Q(earliest__lte=F("latest")), name="shift_break_extra_ordered"
            ),
            models.CheckConstraint(
                condition=Q(duration_s__gt=0) & Q(duration_s__lte=MAX_BREAK_S),
                name="shift_break_extra_duration",
            ),
        ]

    def __str__(self) -> str:
        return f"break {self.earliest} to {self.latest} ({self.duration_s} s)"
