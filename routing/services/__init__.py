"""Routing writes. Other apps call these (never the models directly):

- plans: `plan_create`, `plan_publish` (`plan_publish_check`: what it refuses), `route_lock`,
  `stop_status_set` (a pickup stop moves its return), `returns_to_pick_up` (the approved
  pickups a new plan takes)
- publication: `plan_publish_start` (the Publish button: checked at once, published by a task
  with progress, `plan_publication_state`), `plan_publish_run` (the task's body)
- jobs: `plan_optimize` (also re-optimisation with kind="reoptimize"), `job_cancel`
- edits: `stop_move_check` (preview, writes nothing), `stop_move`
- problem: `problem_build` (a plan as a solver Problem), `travel_provider`
- costing: `plan_stop_savings` (what leaving each stop out of its route saves)
- release: `order_release_from_drafts` (an order leaves own-fleet planning)
"""

from routing.services.costing import plan_stop_savings
from routing.services.edits import MoveCheck, routes_evaluate, stop_move, stop_move_check
from routing.services.jobs import (
    JOB_TRANSITIONS,
    job_cancel,
    job_claim,
    job_complete,
    job_execute,
    job_fail,
    plan_optimize,
)
from routing.services.plans import (
    PLAN_TRANSITIONS,
    PLANNABLE_ORDER_STATUSES,
    STOP_TRANSITIONS,
    plan_create,
    plan_orders_sync,
    plan_publish,
    plan_publish_check,
    returns_to_pick_up,
    route_lock,
    stop_status_set,
)
from routing.services.problem import PlanProblem, order_demand, problem_build, travel_provider
from routing.services.publication import (
    PublishStart,
    plan_publication_state,
    plan_publish_run,
    plan_publish_start,
)
from routing.services.release import order_release_from_drafts

__all__ = [
    "JOB_TRANSITIONS",
    "PLANNABLE_ORDER_STATUSES",
    "PLAN_TRANSITIONS",
    "STOP_TRANSITIONS",
    "MoveCheck",
    "PlanProblem",
    "PublishStart",
    "job_cancel",
    "job_claim",
    "job_complete",
    "job_execute",
    "job_fail",
    "order_demand",
    "order_release_from_drafts",
    "plan_create",
    "plan_optimize",
    "plan_orders_sync",
    "plan_publication_state",
    "plan_publish",
    "plan_publish_check",
    "plan_publish_run",
    "plan_publish_start",
    "plan_stop_savings",
    "problem_build",
    "returns_to_pick_up",
    "route_lock",
    "routes_evaluate",
    "stop_move",
    "stop_move_check",
    "stop_status_set",
    "travel_provider",
]
