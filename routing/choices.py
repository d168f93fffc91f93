"""Routing's choices and constants (statuses, engines, route colours), kept apart from the
models so the model module stays readable; `routing.models` re-exports every name."""

from django.db import models

# Route colours on maps and sheets, picked for contrast with each other and the tiles.
ROUTE_COLOURS = (
    "#1f5fbf", "#c0392b", "#1c7c3c", "#8e44ad", "#d35400", "#16a085", "#b7950b",
    "#2c3e50", "#e84393", "#6d4c41", "#00838f", "#7cb342",
)  # fmt: skip


class Engine(models.TextChoices):
    """Which optimiser runs a job: the solver's portfolio (`auto`) or one engine alone (it
    fails the job, naming why, when it cannot represent the plan, e.g. PyVRP and breaks)."""

    AUTO = "auto", "Automatic (best of the engines)"
    VROOM = "vroom", "VROOM"
    PYVRP = "pyvrp", "PyVRP"
    ORTOOLS = "ortools", "OR-Tools"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPTIMIZING = "optimizing", "Optimising"
    READY = "ready", "Ready"
    PUBLISHED = "published", "Published"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class RouteStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


class StopStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ARRIVED = "arrived", "Arrived"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
