"""Celery wrappers around routing.services.jobs; each is safe to run twice (acks_late)."""

from __future__ import annotations

import logging

from celery import chord, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from routing import conf
from routing.services import jobs
from routing.solver import ProblemError

logger = logging.getLogger(__name__)


@shared_task(name="routing.optimization_job_run", acks_late=True)
def optimization_job_run(job_id: int) -> str:
    """Solve a job in this worker, or fan a large plan out as a chord of part tasks."""
    job = jobs.job_claim(job_id=job_id)
    if job is None:
        return "skipped"
    try:
        ctx = jobs.job_build(job=job)
        parts = jobs.job_parts(ctx=ctx)
        if parts > 1:
            _set_parts(job.pk, parts)
            queue = conf.get("ROUTING_QUEUE")
            header = [optimization_job_part.si(job_id, i).set(queue=queue) for i in range(parts)]
            chord(header)(optimization_job_merge.s(job_id).set(queue=queue))
            return f"split into {parts}"
        solution = jobs.job_solve(job=job, ctx=ctx)
        jobs.job_complete(job_id=job_id, ctx=ctx, solution=solution)
    except Exception as exc:
        _fail(job_id, exc)
    return "done"


@shared_task(name="routing.optimization_job_part", acks_late=True)
def optimization_job_part(job_id: int, index: int) -> dict | None:
    from routing.models import OptimizationJob

    job = OptimizationJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return None
    try:
        return jobs.job_solve_part(job=job, ctx=jobs.job_build(job=job), index=index)
    except Exception as exc:
        _fail(job_id, exc)
        return None


@shared_task(name="routing.optimization_job_merge", acks_late=True)
def optimization_job_merge(parts: list, job_id: int) -> str:
    from routing.models import OptimizationJob

    job = OptimizationJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return "skipped"
    try:
        ctx = jobs.job_build(job=job)
        solution = jobs.job_merge(job=job, ctx=ctx, parts=parts)
        jobs.job_complete(job_id=job_id, ctx=ctx, solution=solution)
    except Exception as exc:
        _fail(job_id, exc)
    return "done"


def _set_parts(job_id: int, parts: int) -> None:
    from routing.models import OptimizationJob

    OptimizationJob.objects.filter(pk=job_id).update(parts=parts)


def _fail(job_id: int, exc: Exception) -> None:
    """Every failure ends the job with a reason a person can read; none is retried, because
    the same plan would fail the same way (the dispatcher fixes it and starts a new job)."""
    if isinstance(exc, ProblemError):
        reason = jobs.problem_error_text(exc)
    elif isinstance(exc, SoftTimeLimitExceeded):
        reason = "The optimisation ran past the worker's time limit."
    elif isinstance(getattr(exc, "detail", None), str):
        reason = exc.detail
    else:
        logger.exception("optimisation job %s crashed", job_id)
        reason = f"Internal error while optimising ({type(exc).__name__}); see the worker log."
    jobs.job_fail(job_id=job_id, reason=reason)


# Registered with the worker through this module, which Celery autodiscovers.
from routing.optimizations.tasks import optimization_request_run  # noqa: E402, F401


@shared_task(name="routing.plan_publish", acks_late=True, ignore_result=True)
def plan_publish_task(plan_id: int, user_id: int | None = None) -> str:
    """Publish a plan (the Publish button queues it); safe to run twice."""
    from routing.services.publication import plan_publish_run

    return plan_publish_run(plan_id=plan_id, user_id=user_id)
