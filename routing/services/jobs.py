"""Optimisation jobs: start, claim, run with live progress and cancellation, finish, cancel.

Life of a job: queued → running → succeeded | failed | cancelled (a queued job may be cancelled
or fail before it runs). Celery delivers tasks at least once (`acks_late`), so running a job
twice is safe: a finished job is never run again, and a rerun of a running job (its worker
died) solves again and replaces that job's result in one transaction.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from contextlib import contextmanager

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from core.exceptions import Conflict, ValidationFailed, assert_transition
from routing import conf
from routing.models import Engine, JobStatus, OptimizationJob, Plan, PlanStatus
from routing.services.problem import PlanProblem, problem_build, travel_provider
from routing.services.solution_data import jsonable, solution_from_data, solution_to_data
from routing.solver import (
    Matrices,
    ProblemError,
    Solution,
    solve,
)
from routing.solver.costs import solution_units
from routing.solver.model import COST_UNITS
from routing.solver.prepare import active_matrix, prepare
from routing.solver.split import improve, merge_solutions, split_problem

logger = logging.getLogger(__name__)

JOB_TRANSITIONS: dict[str, set[str]] = {
    JobStatus.QUEUED: {JobStatus.RUNNING, JobStatus.CANCELLED, JobStatus.FAILED},
    # running → running: a redelivered task reruns the job after its worker died.
    JobStatus.RUNNING: {
        JobStatus.RUNNING,
        JobStatus.SUCCEEDED,
        JobStatus.FAILED,
        JobStatus.CANCELLED,
    },
    JobStatus.SUCCEEDED: set(),
    JobStatus.FAILED: set(),
    JobStatus.CANCELLED: set(),
}
# Share of a split job's budget the parts get (they run in parallel); the rest improves the
# merged plan on the whole problem.
PARTS_SHARE = 0.7


def plan_optimize(
    *,
    plan: Plan,
    user=None,
    time_limit_s: float | None = None,
    kind: str = OptimizationJob.Kind.OPTIMIZE,
    enqueue: bool = True,
    engine: str | None = None,
) -> OptimizationJob:
    """Queue an optimisation of `plan` with `engine` (default: the plan's). Refused when the
    plan has no vehicles or nothing to visit, when the time limit is not positive or the
    engine unknown, or while another job of the plan is queued/running. Re-optimisation needs
    existing routes; it keeps locked and completed routes and started stops.
    `enqueue=False` leaves the job for the caller to run (`job_execute`, e.g. demo data)."""
    engine = engine or plan.engine
    if engine not in Engine.values:
        raise ValidationFailed(
            f"Choose an engine: one of {', '.join(Engine.values)}.", field="engine"
        )
    if time_limit_s is None:
        time_limit_s = plan.time_limit_s
    if time_limit_s is None or time_limit_s <= 0:
        raise ValidationFailed("The time limit must be positive.", field="time_limit_s")
    limit = conf.get("ROUTING_MAX_TIME_LIMIT_S")
    if time_limit_s > limit:
        raise ValidationFailed(f"The time limit may be at most {limit} s.", field="time_limit_s")
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        if not plan.shifts.exists():
            raise ValidationFailed("The plan has no vehicles (no shifts selected).", field="shifts")
        if not plan.orders.exists() and not plan.returns.exists():
            raise ValidationFailed("The plan has no orders.", field="orders")
        if kind == OptimizationJob.Kind.REOPTIMIZE and not plan.routes.exists():
            raise Conflict("Only a plan with routes can be re-optimised.", field="plan")
        active = plan.jobs.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).first()
        if active is not None:
            raise Conflict(
                f"Job {active.pk} of this plan is still {active.status}.",
                field="plan",
                extra={"job": active.pk},
            )
        job = OptimizationJob.objects.create(
            plan=plan,
            kind=kind,
            requested_engine=engine,
            time_limit_s=float(time_limit_s),
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        if plan.status in (PlanStatus.DRAFT, PlanStatus.READY):
            plan.status = PlanStatus.OPTIMIZING
            plan.save(update_fields=["status", "updated_at"])
        if enqueue:
            transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from routing.tasks import optimization_job_run

    optimization_job_run.apply_async((job_id,), queue=conf.get("ROUTING_QUEUE"))


def job_cancel(*, job: OptimizationJob) -> OptimizationJob:
    """A queued job is cancelled at once; a running one is asked to stop (its worker notices
    within about a second, keeps the plan's previous routes and marks it cancelled)."""
    with transaction.atomic():
        job = OptimizationJob.objects.select_for_update().get(pk=job.pk)
        if job.status == JobStatus.RUNNING:
            job.cancel_requested = True
            job.save(update_fields=["cancel_requested", "updated_at"])
            return job
        assert_transition(
            JOB_TRANSITIONS, current=job.status, target=JobStatus.CANCELLED, what="job"
        )
        _finish(job, JobStatus.CANCELLED)
    return job


def job_claim(*, job_id: int) -> OptimizationJob | None:
    """Mark the job running for this worker; None when there is nothing to run (finished,
    deleted, or cancelled while queued)."""
    with transaction.atomic():
        job = OptimizationJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        if job.cancel_requested:
            _finish(job, JobStatus.CANCELLED)
            return None
        job.status = JobStatus.RUNNING
        job.started_at = timezone.now()
        job.progress_pct = 0
        job.stats = {**job.stats, "runs": job.stats.get("runs", 0) + 1}
        job.save()
    return job


def job_fail(*, job_id: int, reason: str) -> None:
    with transaction.atomic():
        job = OptimizationJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return
        job.error = reason
        _finish(job, JobStatus.FAILED)


def _finish(job: OptimizationJob, status: str) -> None:
    """Close the job and give the plan back its resting state (inside the caller's atomic)."""
    job.status = status
    job.finished_at = timezone.now()
    if status == JobStatus.SUCCEEDED:
        job.progress_pct = 100
    job.save()
    plan = Plan.objects.select_for_update().get(pk=job.plan_id)
    if plan.status == PlanStatus.OPTIMIZING:
        plan.status = PlanStatus.READY if plan.routes.exists() else PlanStatus.DRAFT
        plan.save(update_fields=["status", "updated_at"])


def job_build(*, job: OptimizationJob) -> PlanProblem:
    return problem_build(plan=job.plan)


def job_parts(*, ctx: PlanProblem) -> int:
    """How many parts the job is split into (1 = solved in one piece)."""
    limit = conf.get("ROUTING_SPLIT_ABOVE")
    if len(ctx.problem.stops) <= limit:
        return 1
    return len(split_problem(_split_base(ctx)[0], limit))


def _split_base(ctx: PlanProblem, time_limit_s: float = 1.0):
    """The problem every part is cut from: only plannable stops, with the whole plan's
    matrices attached (so parts and the final improvement agree on every travel time), plus
    the stops set aside before solving with their reasons. Deterministic, so each part task
    rebuilds exactly the same parts."""
    prepared = prepare(ctx.problem, time_limit_s, travel_provider())
    keep = active_matrix(prepared)
    base = dataclasses.replace(
        ctx.problem,
        stops=[ctx.problem.stops[i] for i in prepared.active],
        matrices=Matrices(
            prepared.matrices.distance_m[np.ix_(keep, keep)],
            prepared.matrices.duration_s[np.ix_(keep, keep)],
        ),
    )
    return base, prepared.unassigned


class _Monitor(threading.Thread):
    """Writes progress to the job row about once a second and turns a cancel request into the
    solver's cancel event. A thread rather than the solver's progress callback alone: the
    callback fires only on improvements, so a long stretch without one would freeze the bar
    and delay cancellation. It has its own database connection and closes it when done."""

    def __init__(self, job_id: int, time_limit_s: float, offset_s: float = 0.0) -> None:
        super().__init__(daemon=True, name=f"job-{job_id}-monitor")
        self.job_id, self.limit, self.offset = job_id, time_limit_s, offset_s
        self.started = time.perf_counter()
        self.best: float | None = None
        self.cancel = threading.Event()
        self.done = threading.Event()

    def on_progress(self, cost: float, _elapsed: float) -> None:
        if self.best is None or cost < self.best:
            self.best = cost

    def run(self) -> None:
        interval = conf.get("ROUTING_PROGRESS_INTERVAL_S")
        try:
            while not self.done.wait(interval):
                self.tick()
        except Exception:  # a monitoring hiccup must never kill the solve
            logger.exception("progress monitor of job %s failed", self.job_id)
        finally:
            connection.close()

    def tick(self) -> None:
        elapsed = self.offset + time.perf_counter() - self.started
        pct = min(99, int(100 * elapsed / self.limit))
        fields = {"progress_pct": pct, "elapsed_s": round(elapsed, 2)}
        if self.best is not None:
            fields["best_cost"] = round(self.best, 2)
        jobs = OptimizationJob.objects.filter(pk=self.job_id, status=JobStatus.RUNNING)
        jobs.update(**fields, updated_at=timezone.now())
        if jobs.filter(cancel_requested=True).exists():
            self.cancel.set()


@contextmanager
def _monitored(job: OptimizationJob, offset_s: float = 0.0):
    """The job's progress writer and cancellation poller, running while the solver does."""
    monitor = _Monitor(job.pk, job.time_limit_s, offset_s)
    monitor.start()
    try:
        yield monitor
    finally:
        monitor.done.set()
        monitor.join(timeout=10)


def _run_solver(job: OptimizationJob, problem, budget_s: float, offset_s: float = 0.0):
    with _monitored(job, offset_s) as monitor:
        try:
            solution = solve(
                problem,
                budget_s,
                progress=monitor.on_progress,
                cancel_event=monitor.cancel,
                engine=job.requested_engine,
                provider=travel_provider(),
            )
        except ValueError as exc:
            if isinstance(exc, ProblemError):
                raise
            # An engine asked for by name that cannot represent the plan (e.g. PyVRP and
            # driver breaks): the job fails with the solver's reason.
            raise ProblemError("engine", str(exc)) from exc
    return solution, monitor.cancel.is_set()


def job_solve(*, job: OptimizationJob, ctx: PlanProblem) -> Solution | None:
    """Solve the whole plan in this process; None when the job was cancelled meanwhile."""
    solution, cancelled = _run_solver(job, ctx.problem, job.time_limit_s)
    return None if cancelled else solution


def job_solve_part(*, job: OptimizationJob, ctx: PlanProblem, index: int) -> dict | None:
    """Solve part `index` of a split job (the split is deterministic, so every part task
    rebuilds the same parts); the solution as JSON-able data, None when cancelled."""
    base, _ = _split_base(ctx, job.time_limit_s)
    part = split_problem(base, conf.get("ROUTING_SPLIT_ABOVE"))[index]
    solution, cancelled = _run_solver(job, part, job.time_limit_s * PARTS_SHARE)
    return None if cancelled else solution_to_data(solution)


def job_merge(
    *, job: OptimizationJob, ctx: PlanProblem, parts: list[dict | None]
) -> Solution | None:
    """Join the parts' plans and improve the whole within what is left of the budget."""
    if any(p is None for p in parts) or _cancel_requested(job.pk):
        return None
    base, set_aside = _split_base(ctx, job.time_limit_s)
    merged = merge_solutions(base, [solution_from_data(p) for p in parts])
    left = job.time_limit_s * (1 - PARTS_SHARE)
    with _monitored(job, job.time_limit_s * PARTS_SHARE) as monitor:
        better = improve(
            base,
            merged,
            left,
            progress=monitor.on_progress,
            cancel_event=monitor.cancel,
            provider=travel_provider(),
        )
    better.unassigned += set_aside
    better.stats["parts"] = len(parts)
    return better


def _cancel_requested(job_id: int) -> bool:
    return OptimizationJob.objects.filter(pk=job_id, cancel_requested=True).exists()


def job_complete(*, job_id: int, ctx: PlanProblem, solution: Solution | None) -> OptimizationJob:
    """Store the solution as the plan's routes and close the job (cancelled when `solution` is
    None or cancellation was requested: the plan keeps its previous routes)."""
    from routing.services.plans import plan_orders_sync
    from routing.services.results import solution_store

    with transaction.atomic():
        job = OptimizationJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return job
        if solution is None or job.cancel_requested:
            _finish(job, JobStatus.CANCELLED)
            return job
        solution_store(ctx=ctx, solution=solution, job=job)
        ctx.plan.refresh_from_db()
        plan_orders_sync(plan=ctx.plan, user=job.created_by)
        job.engine = solution.engine[:60]
        job.best_cost = round(solution.cost, 2)  # the solver's objective, as during the run
        job.elapsed_s = round(solution.elapsed_s, 2)
        job.stats = {
            **job.stats,
            **jsonable(solution.stats),
            "objective": round(solution.cost, 2),
            # The objective counts a huge penalty per required stop left out; what the routes
            # themselves cost is what a dispatcher compares.
            "route_cost": round(
                solution_units(ctx.problem, Solution(solution.routes, [])) / COST_UNITS, 2
            ),
        }
        job.unassigned = [{"order": u.stop_id, "reason": u.reason} for u in solution.unassigned]
        _finish(job, JobStatus.SUCCEEDED)
    return job


def job_execute(*, job_id: int) -> OptimizationJob | None:
    """Run a job end to end in this process (small plans, demo data, tests)."""
    job = job_claim(job_id=job_id)
    if job is None:
        return None
    try:
        ctx = job_build(job=job)
        solution = job_solve(job=job, ctx=ctx)
    except ProblemError as exc:
        job_fail(job_id=job_id, reason=problem_error_text(exc))
        return OptimizationJob.objects.get(pk=job_id)
    return job_complete(job_id=job_id, ctx=ctx, solution=solution)


def problem_error_text(exc: ProblemError) -> str:
    names = {
        "vehicles": "vehicles",
        "depots": "depots",
        "time_limit_s": "time limit",
        "engine": "engine",
    }
    return f"The plan cannot be optimised: {names.get(exc.field, exc.field)}: {exc}"
