"""Publishing a plan in the background. Publishing writes every routed order's move to planned,
its timeline entry and its event (5-6.5 ms of CPU a stop, benchmarks/publish_cost.py: a 70-stop
plan is 0.35-0.5 s), too much for a click: the Publish button checks at once what would refuse
it (`plan_publish_check`) and queues the publication; a task publishes (all or nothing,
`plan_publish`), recording how many stops are done; the plan page shows that and reloads when
drivers can see their routes, or shows why the publication failed.

The state lives in the cache for PUBLISH_TTL_S, a receipt for the page (the plan's status and
the orders' timelines are the record). A second click while a publication is queued or running
queues nothing; after a failure the next click tries again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction

from core.exceptions import DomainError
from routing import conf
from routing.models import Plan, PlanStatus
from routing.services.plans import plan_publish, plan_publish_check

PUBLISH_KEY = "plan-publish:{}"
PUBLISH_TTL_S = 15 * 60  # longer than a publication ever takes; a lost task frees the button
PENDING = ("queued", "running")


@dataclass(frozen=True)
class PublishStart:
    state: dict
    queued: bool  # False: a publication of this plan was already waiting or running


def plan_publish_start(*, plan: Plan, user=None) -> PublishStart:
    """Queue the publication of `plan` after commit, refusing at once what publishing would
    refuse (not ready, no routes, orders not packed: DomainError, nothing queued)."""
    from routing.tasks import plan_publish_task

    key = PUBLISH_KEY.format(plan.pk)
    state = cache.get(key)
    if state is not None and state["status"] in PENDING:
        return PublishStart(state=state, queued=False)
    plan_publish_check(plan=plan)
    cache.delete(key)  # a failed publication: this click tries again
    fresh = {"status": "queued", "done": 0, "total": 0, "detail": ""}
    if not cache.add(key, fresh, PUBLISH_TTL_S):
        return PublishStart(state=cache.get(key) or fresh, queued=False)
    user_id = user.pk if user is not None and user.is_authenticated else None
    transaction.on_commit(
        lambda: plan_publish_task.apply_async((plan.pk, user_id), queue=conf.get("ROUTING_QUEUE")),
        robust=True,
    )
    return PublishStart(state=fresh, queued=True)


def plan_publication_state(*, plan: Plan) -> dict | None:
    """The plan's publication in the background: `queued`, `running` (`done` of `total`
    stops) or `failed` (`detail`); None when none is pending or it succeeded."""
    return cache.get(PUBLISH_KEY.format(plan.pk))


def plan_publish_run(*, plan_id: int, user_id: int | None = None) -> str:
    """Task body: publish the plan, reporting progress; a failure is kept for the page until
    the next click. A plan already published (a redelivered task) is left as it is."""
    key = PUBLISH_KEY.format(plan_id)
    plan = Plan.objects.filter(pk=plan_id).first()
    if plan is None or plan.status == PlanStatus.PUBLISHED:
        cache.delete(key)
        return "gone" if plan is None else "published"
    state = cache.get(key) or {"status": "queued", "done": 0, "total": 0, "detail": ""}

    def save(**changes):
        state.update(changes)
        cache.set(key, state, PUBLISH_TTL_S)

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    save(status="running")
    try:
        plan_publish(
            plan=plan, user=user, progress=lambda done, total: save(done=done, total=total)
        )
    except DomainError as exc:
        save(status="failed", detail=exc.detail)
        return "failed"
    except Exception:
        save(status="failed", detail="Publishing stopped on an unexpected error; try again.")
        raise
    cache.delete(key)
    return "published"
