"""The dispatcher's actions on the board. Each one goes through the owning app's service (the
same one its API calls), records what happened on the order's timeline, and — after commit —
asks tracking to recompute the ETAs of every route it touched.

dispatch sits above routing, tracking and orders (it orchestrates them; none of them imports it).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.cache import cache
from django.db import transaction

from core.exceptions import Conflict, DomainError, ValidationFailed
from orders.models import OrderEvent, OrderStatus
from orders.services import order_cancel, order_event_add, order_reschedule
from routing import services as routing
from routing.models import OptimizationJob, Plan, Route, Stop, StopStatus
from routing.selectors import plannable_orders
from routing.services import insertion
from routing.services.plans import route_ref
from routing.services.problem import problem_build
from tracking import clock
from tracking.display import window_text
from tracking.models import Notification
from tracking.services import eta_request, notification_create


def refresh_etas_after_commit(route_ids) -> None:
    ids = sorted(set(route_ids))

    def _go():
        for route_id in ids:
            eta_request(route_id=route_id, force=True)

    transaction.on_commit(_go, robust=True)


def stop_reassign(
    *,
    stop: Stop,
    route: Route,
    position: int,
    user=None,
    override: bool = False,
    reason: str = "",
) -> Stop:
    """Move a planned stop to `position` of `route` (another route, or the same one to
    resequence) through routing's checked `stop_move`: infeasible moves are refused with the
    reasons (422) and nothing changes; moving an order out for delivery or putting the stop
    ahead of one needs `override` and a `reason` (409 otherwise). The order's timeline gets a
    note; both routes' ETAs are recomputed after commit."""
    with transaction.atomic():
        stop = Stop.objects.select_related("order", "route__plan", "route__vehicle").get(pk=stop.pk)
        source = stop.route
        source_ref = route_ref(source)
        moved = routing.stop_move(
            stop=stop, route=route, position=position, user=user, override=override, reason=reason
        )
        target = Route.objects.select_related("plan", "vehicle").get(pk=route.pk)
        if source.pk == target.pk:
            message = f"Resequenced on route {source_ref}: now stop {moved.sequence}."
        else:
            message = (
                f"Moved from route {source_ref} to route {route_ref(target)}, "
                f"stop {moved.sequence}."
            )
        order_event_add(
            order=stop.order,
            type=OrderEvent.Type.NOTE,
            message=message,
            data={
                "action": "stop_moved",
                "from_route": source_ref,
                "to_route": route_ref(target),
                "position": moved.sequence,
            },
            user=user,
        )
        refresh_etas_after_commit([source.pk, target.pk])
    return moved


def failed_reschedule(
    *,
    stop: Stop,
    window_start: dt.datetime,
    window_end: dt.datetime,
    user=None,
    reason: str = "",
) -> Stop:
    """A failed delivery gets a new window on another day (orders' `order_reschedule`: failed →
    packed, timeline entry); the failed stop stays on today's route as history."""
    if stop.status != StopStatus.FAILED:
        raise Conflict(
            f"Only a failed delivery can be rescheduled from the board (this stop is "
            f"{stop.status}).",
            field="stop",
            code="not_failed",
        )
    tz = stop.order.warehouse.tzinfo
    if window_start.astimezone(tz).date() == stop.plan.date:
        raise ValidationFailed("Choose another day than the failed attempt's.", field="date")
    with transaction.atomic():
        order_reschedule(
            order=stop.order,
            window_start=window_start,
            window_end=window_end,
            user=user,
            reason=reason or "Rescheduled by dispatch after a failed delivery.",
        )
    stop.order.refresh_from_db()
    return stop


def stop_cancel(*, stop: Stop, user=None, reason: str = "") -> Stop:
    """Cancel the stop's order (orders' `order_cancel`: reservations released, timeline,
    event). A stop still planned on a route is taken off the driver's list (skipped) so nobody
    drives there; the route's ETAs are recomputed. Orders already out for delivery cannot be
    cancelled (409 from the orders lifecycle)."""
    with transaction.atomic():
        stop = Stop.objects.select_for_update().select_related("order", "route").get(pk=stop.pk)
        order_cancel(order=stop.order, reason=reason or "Cancelled by dispatch.", user=user)
        if stop.status == StopStatus.PLANNED:
            stop = routing.stop_status_set(stop=stop, status=StopStatus.SKIPPED)
        refresh_etas_after_commit([stop.route_id])
    return stop


def customer_eta_message(*, stop: Stop, user=None) -> Notification:
    """E-mail the customer the stop's current ETA window (tracking's notification, once per
    window: the same window twice is refused with 409) and note it on the order's timeline."""
    stop = Stop.objects.select_related("order__customer", "order__warehouse").get(pk=stop.pk)
    order = stop.order
    if stop.is_done or order.status in (OrderStatus.DELIVERED, OrderStatus.CANCELLED):
        raise Conflict(f"{order.reference} is {stop.status}: nothing to announce.", field="stop")
    if not (stop.eta_low and stop.eta_high):
        raise Conflict(
            f"{order.reference} has no ETA yet (the route has not been tracked).",
            field="stop",
            code="no_eta",
        )
    recipient = order.contact_email or (order.customer.email if order.customer_id else "")
    if not recipient:
        raise ValidationFailed(
            f"{order.reference} has no e-mail address to write to.", field="contact_email"
        )
    tz = order.warehouse.tzinfo
    text = window_text(stop.eta_low, stop.eta_high, tz)
    key = f"board:{stop.pk}:{stop.eta_low.astimezone(tz):%H%M}-{stop.eta_high.astimezone(tz):%H%M}"
    with transaction.atomic():
        notification = notification_create(
            order=order,
            kind=Notification.Kind.ETA_CHANGED,
            key=key,
            context={"eta_window": text},
        )
        if notification is None:
            raise Conflict(
                f"The customer was already sent this window ({text}).",
                field="stop",
                code="already_sent",
            )
        order_event_add(
            order=order,
            type=OrderEvent.Type.NOTE,
            message=f"Dispatch sent the customer the new ETA: {text}.",
            data={"action": "eta_message", "eta_low": stop.eta_low, "eta_high": stop.eta_high},
            user=user,
        )
    return notification


def plan_reoptimize(*, plan: Plan, user=None) -> OptimizationJob:
    """Re-optimise the unlocked part of a published day (routing's job: locked routes and
    stops already reached stay). Refused while another job of the plan runs (409)."""
    return routing.plan_optimize(plan=plan, user=user, kind=OptimizationJob.Kind.REOPTIMIZE)


# --- same-day insertion -------------------------------------------------------------------------


def order_insert_from_board(
    *,
    route: Route,
    order,
    override: bool = False,
    reason: str = "",
    user=None,
    behind_out_for_delivery: bool = False,
) -> Stop:
    """Insert an unassigned order into a live route at its cheapest feasible position
    (routing's `order_insert`: 422 when it fits nowhere on that route, 409 ahead of an order
    out for delivery without an override and reason), as of tracking's clock. The route's ETAs
    are recomputed after commit (the hook this app lends routing)."""
    return insertion.order_insert(
        route=route,
        order=order,
        override=override,
        reason=reason,
        user=user,
        now=clock.now(),
        behind_out_for_delivery=behind_out_for_delivery,
    )


INSERT_ALL_KEY = "dispatch:insert-all:{}"
INSERT_ALL_TTL_S = 3600


def insert_all_progress(job_id: str) -> dict | None:
    return cache.get(INSERT_ALL_KEY.format(job_id))


def insert_all_progress_save(job_id: str, state: dict) -> None:
    cache.set(INSERT_ALL_KEY.format(job_id), state, INSERT_ALL_TTL_S)


def insert_all_start(*, day: dt.date, depots, user) -> str:
    """Queue "insert all unassigned" for `day` (a Celery task; the board polls its progress
    under the returned id)."""
    from dispatch.tasks import unassigned_insert_all_task

    job_id = uuid.uuid4().hex
    codes = sorted(d.code for d in depots)
    insert_all_progress_save(
        job_id, {"status": "queued", "done": 0, "total": 0, "placed": [], "left": []}
    )
    transaction.on_commit(
        lambda: unassigned_insert_all_task.delay(job_id, day.isoformat(), codes, user.pk)
    )
    return job_id


def unassigned_insert_all(*, job_id: str, day: dt.date, depots, user=None) -> dict:
    """Put the day's unassigned orders into live routes, greedily: the cheapest insertion of
    all (order, route) pairs first, then the next cheapest given the routes as they are now.
    Positions ahead of an order out for delivery are never used (that needs a person's
    override). Orders that fit nowhere are listed with the reason for each route. Progress is
    saved under `job_id` after every order placed or given up. Safe to run twice: orders already
    on a route are no longer unassigned."""
    orders = list(plannable_orders(date=day, depots=depots).exclude(status=OrderStatus.PLANNED))
    state = {"status": "running", "done": 0, "total": len(orders), "placed": [], "left": []}
    insert_all_progress_save(job_id, state)
    now = clock.now()
    routes = [r for d in depots for r in insertion.live_routes(day=day, warehouse=d)]
    candidates = []
    for order in orders:
        why = _not_insertable(order, day)
        if why:
            state["left"].append({"order": order.reference, "reason": why[0], "message": why[1]})
            state["done"] += 1
        elif not any(r.vehicle.depot_id == order.warehouse_id for r in routes):
            state["left"].append(
                {
                    "order": order.reference,
                    "reason": insertion.NO_LIVE_ROUTE,
                    "message": "No live route leaves from its warehouse today.",
                }
            )
            state["done"] += 1
        else:
            candidates.append(order)
    insert_all_progress_save(job_id, state)
    checks: dict[tuple[int, int], object] = {}
    contexts: dict[int, object] = {}

    def check(order, route):
        key = (order.pk, route.pk)
        if key not in checks:
            if route.plan_id not in contexts:
                contexts[route.plan_id] = problem_build(plan=route.plan)
            checks[key] = insertion.insertion_check(
                route=route,
                order=order,
                now=now,
                ctx=contexts[route.plan_id],
                with_etas=False,
                behind_out_for_delivery=True,
            )
        return checks[key]

    while candidates:
        options = [
            check(o, r) for o in candidates for r in routes if r.vehicle.depot_id == o.warehouse_id
        ]
        fits = [p for p in options if p.feasible]
        if not fits:
            break
        best = min(fits, key=lambda p: (p.added_cost, p.order.reference, p.route.pk))
        try:
            stop = order_insert_from_board(
                route=best.route, order=best.order, user=user, behind_out_for_delivery=True
            )
        except DomainError as exc:  # the day moved on since the check (a stop done, a lock)
            state["left"].append(
                {"order": best.order.reference, "reason": exc.code, "message": exc.detail}
            )
            state["done"] += 1
            candidates = [o for o in candidates if o.pk != best.order.pk]
            checks = {k: v for k, v in checks.items() if k[1] != best.route.pk}
            contexts.pop(best.route.plan_id, None)
            continue
        state["placed"].append(
            {
                "order": best.order.reference,
                "route": route_ref(best.route),
                "position": stop.sequence,
                "cost": str(best.added_cost),
                "currency": best.currency,
            }
        )
        state["done"] += 1
        insert_all_progress_save(job_id, state)
        candidates = [o for o in candidates if o.pk != best.order.pk]
        checks = {k: v for k, v in checks.items() if k[1] != best.route.pk}
        contexts.pop(best.route.plan_id, None)
    for order in candidates:
        previews = [check(order, r) for r in routes if r.vehicle.depot_id == order.warehouse_id]
        state["left"].append({"order": order.reference, **_why_not(previews)})
        state["done"] += 1
    state["status"] = "finished"
    insert_all_progress_save(job_id, state)
    return state


def _not_insertable(order, day) -> tuple[str, str] | None:
    try:
        insertion.order_insertable(order=order, day=day)
    except Conflict as exc:
        return exc.code, exc.detail
    return None


def _why_not(previews) -> dict:
    """One reason per order: the routes grouped by why the order does not fit them, most
    actionable reason (routing's REASONS order) first."""
    by_reason: dict[str, list[str]] = {}
    for p in previews:
        by_reason.setdefault(p.reason, []).append(p.route.vehicle.code)
    ranked = sorted(
        by_reason,
        key=lambda r: (
            insertion.REASONS.index(r) if r in insertion.REASONS else len(insertion.REASONS)
        ),
    )
    message = "; ".join(f"{REASON_LABELS.get(r, r)} ({', '.join(by_reason[r])})" for r in ranked)
    return {"reason": ranked[0], "message": message}


REASON_LABELS = {
    "skill_missing": "skill missing",
    "no_capacity": "no capacity",
    "window_unreachable": "window unreachable",
    "shift_exceeded": "past the shift's end",
    "no_break_room": "no room for the driver's break",
    "no_position": "only before stops out for delivery",
    "no_live_route": "no live route",
    "not_packed": "not packed yet",
    "needs_location": "no location",
    "already_on_route": "already on a route",
}
