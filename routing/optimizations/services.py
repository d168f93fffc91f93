"""Optimisation requests: create (validate and queue), run, cancel.

Life of a request: queued → running → succeeded | failed | cancelled (a queued request may be
cancelled, or fail before it runs). Celery delivers tasks at least once, so running twice is
safe: a finished request is never run again, and a redelivered running request (its worker
died) solves again and replaces nothing but its own row.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import connection, transaction
from django.utils import timezone

from core.exceptions import ValidationFailed, assert_transition
from routing.optimizations import conf
from routing.optimizations.models import OptimizationRequest, OptimizationRequestStatus
from routing.services import travel_provider
from routing.solver.vroom_json import PlanInvalid, VroomInputError, parse_input, solve_json

logger = logging.getLogger(__name__)

Status = OptimizationRequestStatus
TRANSITIONS: dict[str, set[str]] = {
    Status.QUEUED: {Status.RUNNING, Status.CANCELLED, Status.FAILED},
    # running → running: a redelivered task reruns the request after its worker died.
    Status.RUNNING: {Status.RUNNING, Status.SUCCEEDED, Status.FAILED, Status.CANCELLED},
    Status.SUCCEEDED: set(),
    Status.FAILED: set(),
    Status.CANCELLED: set(),
}


def input_errors(exc: VroomInputError) -> list[dict]:
    """A VroomInputError as problem-details `errors`, one per JSON path."""
    return [
        {"field": path or "body", "code": "invalid", "message": message}
        for path, message in exc.errors
    ]


def optimization_request_create(*, body, partner=None, user=None) -> OptimizationRequest:
    """Queue `body` (VROOM input JSON, decoded) for solving. Refused with 422 and one error per
    JSON path when the input is not valid VROOM input, asks for something the solver cannot
    honour, exceeds the size limits or asks for a time limit outside (0, the maximum]."""
    counts = _size_errors(body)
    try:
        problem = parse_input(body)
    except VroomInputError as exc:
        paths = ", ".join(e["field"] for e in input_errors(exc)[:10])
        raise ValidationFailed(
            f"The problem is not valid VROOM input ({paths}).", errors=input_errors(exc)
        ) from exc
    limit = problem.time_limit_s or conf.get("ROUTING_DEFAULT_TIME_LIMIT_S")
    most = conf.get("ROUTING_MAX_TIME_LIMIT_S")
    if limit > most:
        raise ValidationFailed(
            f"options.time_limit may be at most {most} s.", field="options.time_limit"
        )
    with transaction.atomic():
        request = OptimizationRequest.objects.create(
            partner=partner,
            created_by=user if getattr(user, "is_authenticated", False) and not partner else None,
            time_limit_s=float(limit),
            input=body,
            task_count=counts[0],
            vehicle_count=counts[1],
        )
        transaction.on_commit(lambda: _enqueue(request.pk))
    return request


def _size_errors(body) -> tuple[int, int]:
    """Refuse inputs past the configured sizes before the (costlier) full validation."""
    if not isinstance(body, dict):
        return 0, 0
    jobs, shipments, vehicles = (body.get(k) for k in ("jobs", "shipments", "vehicles"))
    tasks = (len(jobs) if isinstance(jobs, list) else 0) + 2 * (
        len(shipments) if isinstance(shipments, list) else 0
    )
    fleet = len(vehicles) if isinstance(vehicles, list) else 0
    errors = []
    if tasks > (most := conf.get("ROUTING_OPTIMIZATION_MAX_TASKS")):
        errors.append(
            {
                "field": "jobs",
                "code": "too_many",
                "message": f"At most {most} tasks (jobs + 2 per shipment), got {tasks}.",
            }
        )
    if fleet > (most := conf.get("ROUTING_OPTIMIZATION_MAX_VEHICLES")):
        errors.append(
            {
                "field": "vehicles",
                "code": "too_many",
                "message": f"At most {most} vehicles, got {fleet}.",
            }
        )
    if errors:
        raise ValidationFailed("The problem is larger than this service accepts.", errors=errors)
    return tasks, fleet


def _enqueue(request_id: int) -> None:
    from routing.optimizations.tasks import optimization_request_run

    optimization_request_run.apply_async((request_id,), queue=conf.get("ROUTING_QUEUE"))


def optimization_request_cancel(*, request: OptimizationRequest) -> OptimizationRequest:
    """A queued request is cancelled at once; a running one is asked to stop (its worker
    notices within about a second and marks it cancelled). Finished ones answer 409."""
    with transaction.atomic():
        request = OptimizationRequest.objects.select_for_update().get(pk=request.pk)
        if request.status == Status.RUNNING:
            request.cancel_requested = True
            request.save(update_fields=["cancel_requested", "updated_at"])
            return request
        assert_transition(
            TRANSITIONS, current=request.status, target=Status.CANCELLED, what="optimization"
        )
        _finish(request, Status.CANCELLED)
    return request


def _move(request_id: int, target: str, **fields) -> OptimizationRequest | None:
    """Apply a transition under a row lock; None when the request is already finished."""
    with transaction.atomic():
        request = OptimizationRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None or request.is_finished:
            return None
        if target == Status.RUNNING and request.cancel_requested:
            target = Status.CANCELLED
        assert_transition(TRANSITIONS, current=request.status, target=target, what="optimization")
        for name, value in fields.items():
            setattr(request, name, value)
        if target == Status.RUNNING:
            request.status = target
            request.started_at = timezone.now()
            request.progress_pct = 0
            request.runs += 1
            request.save()
        else:
            _finish(request, target)
    return request


def _finish(request: OptimizationRequest, status: str) -> None:
    request.status = status
    request.finished_at = timezone.now()
    if status == Status.SUCCEEDED:
        request.progress_pct = 100
    request.save()


def optimization_request_fail(*, request_id: int, reason: str) -> None:
    _move(request_id, Status.FAILED, error=reason)


def optimization_request_run(*, request_id: int) -> str:
    """Solve a queued (or redelivered running) request in this process and store VROOM's
    output, or the reason it failed. Safe to call twice."""
    request = _move(request_id, Status.RUNNING)
    if request is None or request.status != Status.RUNNING:
        return "skipped"
    monitor = _Monitor(request.pk, request.time_limit_s)
    monitor.start()
    started = time.perf_counter()
    info: dict = {}
    try:
        output = solve_json(
            request.input,
            request.time_limit_s,
            cancel_event=monitor.cancel,
            provider=travel_provider(),
            info=info,
        )
    except VroomInputError as exc:  # validated when queued; only a changed rule lands here
        optimization_request_fail(request_id=request_id, reason=f"Invalid input: {exc}")
        return "failed"
    except PlanInvalid as exc:
        logger.error("optimization %s: %s", request.public_id, exc)
        optimization_request_fail(
            request_id=request_id,
            reason="Internal error: the solver's plan broke a rule of the input; "
            "it was not returned.",
        )
        return "failed"
    finally:
        monitor.done.set()
        monitor.join(timeout=10)
    elapsed = round(time.perf_counter() - started, 2)
    if monitor.cancel.is_set():
        _move(request_id, Status.CANCELLED, elapsed_s=elapsed)
        return "cancelled"
    _move(request_id, Status.SUCCEEDED, output=output, elapsed_s=elapsed, engine=info["engine"])
    return "succeeded"


class _Monitor(threading.Thread):
    """Writes progress (share of the time limit used) about once a second and turns a cancel
    request into the solver's cancel event, on its own database connection."""

    def __init__(self, request_id: int, time_limit_s: float) -> None:
        super().__init__(daemon=True, name=f"optimization-{request_id}-monitor")
        self.request_id, self.limit = request_id, time_limit_s
        self.started = time.perf_counter()
        self.cancel = threading.Event()
        self.done = threading.Event()

    def run(self) -> None:
        interval = conf.get("ROUTING_PROGRESS_INTERVAL_S")
        try:
            while not self.done.wait(interval):
                elapsed = time.perf_counter() - self.started
                rows = OptimizationRequest.objects.filter(pk=self.request_id, status=Status.RUNNING)
                rows.update(
                    progress_pct=min(99, int(100 * elapsed / self.limit)),
                    elapsed_s=round(elapsed, 2),
                    updated_at=timezone.now(),
                )
                if rows.filter(cancel_requested=True).exists():
                    self.cancel.set()
        except Exception:  # a monitoring hiccup must never kill the solve
            logger.exception("progress monitor of optimization %s failed", self.request_id)
        finally:
            connection.close()
