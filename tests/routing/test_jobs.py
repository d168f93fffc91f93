"""Job progress, cancellation and large-plan splitting, with the solver really running."""

import threading
import time

import pytest
from django.db import connection

from routing import services
from routing.models import JobStatus, PlanStatus, Stop

pytestmark = pytest.mark.django_db(transaction=True)


def _run_in_thread(job_id):
    def target():
        try:
            services.job_execute(job_id=job_id)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


def _wait_for(job, predicate, timeout_s=20):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if predicate(job):
            return job
        time.sleep(0.05)
    pytest.fail(f"job never reached the expected state: {job.status} {job.progress_pct}%")


def test_progress_is_written_while_the_job_runs_then_cancel_stops_it(make_plan):
    plan = make_plan(orders=30, vehicles=4)
    job = services.plan_optimize(plan=plan, time_limit_s=30, enqueue=False)
    started = time.monotonic()
    thread = _run_in_thread(job.pk)
    try:
        _wait_for(job, lambda j: j.status == JobStatus.RUNNING and j.progress_pct >= 2)
        first = (job.progress_pct, job.elapsed_s)
        _wait_for(job, lambda j: j.elapsed_s > first[1])
        assert job.progress_pct >= first[0] and job.best_cost is not None
        services.job_cancel(job=job)
    finally:
        thread.join(timeout=30)
    job.refresh_from_db()
    plan.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.finished_at
    assert time.monotonic() - started < 15  # far below the 30 s limit
    assert plan.status == PlanStatus.DRAFT and not plan.routes.exists()


def test_a_cancelled_reoptimisation_keeps_the_previous_routes(make_plan, optimize):
    plan = make_plan(orders=12, vehicles=2)
    optimize(plan)
    before = sorted(Stop.objects.filter(plan=plan).values_list("pk", "route_id", "sequence"))
    job = services.plan_optimize(plan=plan, time_limit_s=30, kind="reoptimize", enqueue=False)
    thread = _run_in_thread(job.pk)
    try:
        _wait_for(job, lambda j: j.status == JobStatus.RUNNING)
        services.job_cancel(job=job)
    finally:
        thread.join(timeout=30)
    job.refresh_from_db()
    plan.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert plan.status == PlanStatus.READY
    after = sorted(Stop.objects.filter(plan=plan).values_list("pk", "route_id", "sequence"))
    assert before == after


def test_a_large_plan_is_split_solved_in_parts_and_merged(make_plan, optimize, settings):
    settings.ROUTING_SPLIT_ABOVE = 6
    plan = make_plan(orders=16, vehicles=4)
    job = optimize(plan, time_limit_s=1)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.parts > 1 and job.engine.startswith("split")
    routed = set(Stop.objects.filter(plan=plan).values_list("order__reference", flat=True))
    unassigned = {u["order"] for u in plan.unassigned}
    assert routed | unassigned == set(plan.orders.values_list("reference", flat=True))
    assert not routed & unassigned
