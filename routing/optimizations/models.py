"""One VROOM-format optimisation request and its lifecycle (transitions in services)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel, created_by_field


class OptimizationRequestStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class OptimizationRequest(TimeStampedModel):
    """A problem in VROOM's input JSON, its status while the solver runs, and the answer in
    VROOM's output JSON. Made by a partner's API key (`partner`) or a dispatcher (`created_by`,
    no partner); the public id is opaque, so ids reveal nothing about other requests."""

    Status = OptimizationRequestStatus

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="optimization_requests",
    )
    created_by = created_by_field()
    status = models.CharField(
        max_length=10,
        choices=OptimizationRequestStatus.choices,
        default=OptimizationRequestStatus.QUEUED,
    )
    time_limit_s = models.FloatField()
    input = models.JSONField(help_text="The problem, in VROOM's input format.")
    output = models.JSONField(null=True, blank=True, help_text="VROOM's output format.")
    task_count = models.PositiveIntegerField(help_text="Jobs plus shipment steps.")
    vehicle_count = models.PositiveIntegerField()
    progress_pct = models.PositiveSmallIntegerField(default=0)
    elapsed_s = models.FloatField(default=0)
    engine = models.CharField(max_length=60, blank=True)
    error = models.TextField(blank=True, help_text="Why the request failed, for a person.")
    cancel_requested = models.BooleanField(default=False)
    runs = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_pct__lte=100), name="optimization_request_progress_le_100"
            ),
            models.CheckConstraint(
                condition=Q(time_limit_s__gt=0), name="optimization_request_time_limit_positive"
            ),
            # A result exists exactly when the request succeeded.
            models.CheckConstraint(
                condition=Q(status=OptimizationRequestStatus.SUCCEEDED, output__isnull=False)
                | ~Q(status=OptimizationRequestStatus.SUCCEEDED),
                name="optimization_request_success_has_output",
            ),
        ]
        indexes = [models.Index(fields=["partner", "-created_at"])]

    def __str__(self) -> str:
        return f"optimization {self.public_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (
            OptimizationRequestStatus.SUCCEEDED,
            OptimizationRequestStatus.FAILED,
            OptimizationRequestStatus.CANCELLED,
        )
