"""Routing: vehicles, drivers, shifts, plans, optimisation jobs, routes and stops.

Invariants the database enforces: capacities and costs are not negative; a shift ends after it
starts and its break window is ordered; a vehicle and a driver have at most one shift per day;
an order is on at most one stop per plan; stop sequences are unique per route (deferred, so a
route can be resequenced inside one transaction); job progress is 0..100. Lifecycles (tables in
routing.services) are enforced by the services.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel, created_by_field
from orders.models import VehicleSkill
from routing.choices import (
    ROUTE_COLOURS,
    Engine,
    JobStatus,
    PlanStatus,
    RouteStatus,
    StopStatus,
)
from routing.fleet.models import (  # noqa: F401 (time off and breaks register with this app)
    DriverAvailability,
    DriverTimeOff,
    ShiftBreak,
    ShiftTimes,
)


def _money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=10, decimal_places=2, **kwargs)


class Vehicle(TimeStampedModel):
    """A delivery vehicle based at a depot (an `inventory.Warehouse`)."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    depot = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="vehicles"
    )
    capacity_weight_kg = models.DecimalField(max_digits=9, decimal_places=2)
    capacity_volume_m3 = models.DecimalField(max_digits=8, decimal_places=3)
    capacity_units = models.PositiveIntegerField()
    cost_per_km = _money(default=0)
    cost_per_hour = _money(default=0)
    fixed_cost = _money(default=0)
    currency = models.CharField(max_length=3, default="EUR")
    skills = ArrayField(
        models.CharField(max_length=20, choices=VehicleSkill.choices), default=list, blank=True
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity_weight_kg__gte=0)
                & Q(capacity_volume_m3__gte=0)
                & Q(cost_per_km__gte=0)
                & Q(cost_per_hour__gte=0)
                & Q(fixed_cost__gte=0),
                name="vehicle_capacities_costs_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class Driver(DriverAvailability, TimeStampedModel):
    """A driver's account and skills; availability and time off: routing.fleet.models."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="driver"
    )
    phone = models.CharField(max_length=40, blank=True)
    skills = ArrayField(
        models.CharField(max_length=20, choices=VehicleSkill.choices), default=list, blank=True
    )
    is_active = models.BooleanField(default=True)

    class Meta(DriverAvailability.Meta):
        ordering = ["user__username"]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class Shift(ShiftTimes, TimeStampedModel):
    """A driver with a vehicle on a day. Times are wall-clock times in the vehicle depot's zone.

    One shift per vehicle a day (the planner names solver vehicles by vehicle code) and per
    driver a day; routing.fleet.services books them, refusing overlaps, time off and breaks
    outside the shift."""

    driver = models.ForeignKey(Driver, on_delete=models.PROTECT, related_name="shifts")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="shifts")
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    break_earliest = models.TimeField(null=True, blank=True)
    break_latest = models.TimeField(null=True, blank=True)
    break_duration_s = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(4 * 3600)]
    )

    class Meta:
        ordering = ["date", "vehicle__code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")), name="shift_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(break_duration_s=0)
                | (
                    Q(break_earliest__isnull=False)
                    & Q(break_latest__isnull=False)
                    & Q(break_earliest__lte=F("break_latest"))
                ),
                name="shift_break_window_ordered",
            ),
            models.UniqueConstraint(fields=["vehicle", "date"], name="uniq_shift_vehicle_day"),
            models.UniqueConstraint(fields=["driver", "date"], name="uniq_shift_driver_day"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.vehicle.code} · {self.driver}"

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return self.vehicle.depot.tzinfo

    def at(self, t: dt.time) -> dt.datetime:
        return dt.datetime.combine(self.date, t, tzinfo=self.tzinfo)

    @property
    def has_break(self) -> bool:
        return bool(self.break_duration_s)

    @property
    def skills(self) -> set[str]:
        return set(self.vehicle.skills) | set(self.driver.skills)


class Plan(TimeStampedModel):
    """One day's delivery plan for one or more depots: the orders and shifts to plan with, the
    objective, and (once optimised) its routes. `unassigned` lists the plan's orders that are on
    no route, each with the reason the optimiser (or the dispatcher's edit) left it out."""

    Status = PlanStatus

    reference = models.CharField(max_length=32, unique=True)
    date = models.DateField()
    depots = models.ManyToManyField("inventory.Warehouse", related_name="plans")
    orders = models.ManyToManyField("orders.CustomerOrder", related_name="plans", blank=True)
    returns = models.ManyToManyField(
        "orders.Return", related_name="plans", blank=True, help_text="Returns to pick up."
    )
    shifts = models.ManyToManyField(Shift, related_name="plans", blank=True)
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    minimise_vehicles = models.BooleanField(
        default=False, help_text="Use as few vehicles as possible before minimising cost."
    )
    time_limit_s = models.PositiveIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    engine = models.CharField(max_length=10, choices=Engine.choices, default=Engine.AUTO)
    unassigned = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = created_by_field()

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(time_limit_s__gte=1), name="plan_time_limit_positive"
            ),
        ]
        indexes = [models.Index(fields=["date", "status"], name="plan_date_status_idx")]

    def __str__(self) -> str:
        return self.reference


class OptimizationJob(TimeStampedModel):
    """One run of the optimiser for a plan (a first optimisation or a mid-day re-optimisation)."""

    Status = JobStatus

    class Kind(models.TextChoices):
        OPTIMIZE = "optimize", "Optimise"
        REOPTIMIZE = "reoptimize", "Re-optimise unlocked routes"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OPTIMIZE)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    time_limit_s = models.FloatField()
    requested_engine = models.CharField(max_length=10, choices=Engine.choices, default=Engine.AUTO)
    progress_pct = models.PositiveSmallIntegerField(default=0)
    best_cost = models.FloatField(null=True, blank=True)
    elapsed_s = models.FloatField(default=0)
    engine = models.CharField(max_length=60, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, help_text="Why the job failed, for a person to act on.")
    unassigned = models.JSONField(default=list, blank=True)
    cancel_requested = models.BooleanField(default=False)
    parts = models.PositiveSmallIntegerField(default=1)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = created_by_field()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_pct__lte=100), name="job_progress_within_100"
            ),
            models.CheckConstraint(condition=Q(time_limit_s__gt=0), name="job_time_limit_positive"),
            # One optimisation at a time per plan: two would overwrite each other's routes.
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status__in=["queued", "running"]),
                name="uniq_active_job_per_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"job {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class Route(TimeStampedModel):
    Status = RouteStatus

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="routes")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="routes")
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="routes")
    driver = models.ForeignKey(
        Driver, on_delete=models.PROTECT, null=True, blank=True, related_name="routes"
    )
    job = models.ForeignKey(
        OptimizationJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="routes"
    )
    sequence = models.PositiveSmallIntegerField(help_text="The route's number within the plan.")
    status = models.CharField(
        max_length=12, choices=RouteStatus.choices, default=RouteStatus.PLANNED
    )
    is_locked = models.BooleanField(default=False)
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    distance_m = models.PositiveIntegerField(default=0)
    duration_s = models.PositiveIntegerField(default=0)
    load_weight_kg = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    load_volume_m3 = models.DecimalField(max_digits=8, decimal_places=3, default=0)
    load_units = models.PositiveIntegerField(default=0)
    breaks = models.JSONField(default=list, blank=True)  # [{"start": iso, "duration_s": n}]

    class Meta:
        ordering = ["plan", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "shift"], name="uniq_route_plan_shift"),
            models.CheckConstraint(condition=Q(start_at__lte=F("end_at")), name="route_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.reference} #{self.sequence} {self.vehicle.code}"

    @property
    def colour(self) -> str:
        return ROUTE_COLOURS[(self.sequence - 1) % len(ROUTE_COLOURS)]

    def load_pct(self) -> dict[str, int]:
        """Load as a share of the vehicle's capacity per dimension (0 when capacity is 0)."""
        v = self.vehicle

        def pct(load, cap) -> int:
            return round(100 * float(load) / float(cap)) if cap else 0

        return {
            "weight": pct(self.load_weight_kg, v.capacity_weight_kg),
            "volume": pct(self.load_volume_m3, v.capacity_volume_m3),
            "units": pct(self.load_units, v.capacity_units),
        }


class Stop(TimeStampedModel):
    """A visit on a route: an order's delivery, or a return's pickup when `ret` is set (then
    `order` is the delivered order the return belongs to). `eta*` belong to the tracking
    engine; `planned_*` to the optimiser (and dispatcher edits)."""

    Status = StopStatus

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="stops")
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stops")
    order = models.ForeignKey(
        "orders.CustomerOrder", on_delete=models.PROTECT, related_name="route_stops"
    )
    ret = models.ForeignKey(
        "orders.Return",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="route_stops",
        verbose_name="return",
    )
    sequence = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=StopStatus.choices, default=StopStatus.PLANNED)
    planned_arrival = models.DateTimeField()
    planned_start = models.DateTimeField(help_text="Service start: arrival plus any waiting.")
    planned_departure = models.DateTimeField()
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    eta = models.DateTimeField(null=True, blank=True)
    eta_low = models.DateTimeField(null=True, blank=True)
    eta_high = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    departed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["route", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "order"],
                condition=Q(ret__isnull=True),
                name="uniq_stop_plan_order",
            ),
            models.UniqueConstraint(
                fields=["plan", "ret"], condition=Q(ret__isnull=False), name="uniq_stop_plan_return"
            ),
            models.UniqueConstraint(
                fields=["route", "sequence"],
                name="uniq_stop_route_sequence",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.CheckConstraint(
                condition=Q(planned_arrival__lte=F("planned_start"))
                & Q(planned_start__lte=F("planned_departure")),
                name="stop_planned_times_ordered",
            ),
        ]
        indexes = [models.Index(fields=["order", "status"], name="stop_order_status_idx")]

    def __str__(self) -> str:
        return f"{self.route} · {self.sequence}: {self.order_id}"

    @property
    def is_pickup(self) -> bool:
        return self.ret_id is not None

    @property
    def ref(self) -> str:
        """The stop's id in the solver: the return's reference for a pickup, else the order's."""
        return self.ret.reference if self.ret_id else self.order.reference

    @property
    def is_done(self) -> bool:
        """Completed stops never move: delivered, failed or skipped."""
        return self.status in (StopStatus.DELIVERED, StopStatus.FAILED, StopStatus.SKIPPED)


# Optimisation requests in VROOM's JSON (the partner API) keep their own package; importing the
# model here registers it with the routing app.
from routing.optimizations.models import (  # noqa: E402, F401
    OptimizationRequest,
    OptimizationRequestStatus,
)
