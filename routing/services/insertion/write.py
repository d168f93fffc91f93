"""Writing an insertion: the stop, the re-timed route, the order planned, the override noted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from core import events
from core.exceptions import Conflict, ValidationFailed
from orders import services as order_services
from orders.models import CustomerOrder
from routing.models import Plan, Route, Stop, StopStatus
from routing.services.insertion.hooks import live
from routing.services.insertion.preview import InsertionPreview, insertion_check
from routing.services.insertion.remaining import (
    stop_ref,
)
from routing.services.overrides import (
    override_record,
    override_require,
)
from routing.services.plans import route_ref
from routing.services.problem import (
    Demand,
    order_demand,
)


def order_insert(
    *,
    route: Route,
    order: CustomerOrder,
    override: bool = False,
    reason: str = "",
    user=None,
    now: dt.datetime | None = None,
    behind_out_for_delivery: bool = False,
) -> Stop:
    """Insert `order` into live `route` at its cheapest feasible position (as
    `insertion_check` finds it, again, under the plan's lock). Infeasible: 422 with the
    reason. Ahead of an order out for delivery: 409 unless `override` with a `reason`, which
    goes on the timeline of every order overtaken and of the inserted one. The stop is added
    after the stops already done; the planned stops after it are re-timed; the order joins the
    plan and becomes planned (orders' timeline); `plan.routes_changed` is published."""
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=route.plan_id)
        if plan.jobs.filter(status__in=["queued", "running"]).exists():
            raise Conflict("The plan is being optimised; wait for the job to finish.", field="plan")
        CustomerOrder.objects.select_for_update(of=("self",)).filter(pk=order.pk).first()
        preview = insertion_check(
            route=route,
            order=order,
            now=now,
            with_etas=False,
            behind_out_for_delivery=behind_out_for_delivery,
        )
        if not preview.feasible:
            raise ValidationFailed(
                f"{preview.order.reference} does not fit route {route_ref(preview.route)}: "
                f"{preview.message}",
                field="order",
                code=preview.reason or "infeasible",
            )
        route = preview.route
        clean = override_require(
            overtaken=preview.overtaken,
            override=override,
            reason=reason,
            action=f"inserting {preview.order.reference} as stop {preview.position}",
        )
        stop = _write(preview)
        ref = route_ref(route)
        order_services.order_plan(order=preview.order, user=user, route_ref=ref)
        if preview.overtaken:
            what = f"{preview.order.reference} inserted ahead of it on route {ref}"
            data = {"route": ref, "inserted": preview.order.reference}
            override_record(
                overtaken=preview.overtaken, reason=clean, user=user, what=what, data=data
            )
            override_record(
                overtaken=[stop],
                reason=clean,
                user=user,
                what=f"inserted as stop {stop.sequence} of route {ref}, ahead of "
                + ", ".join(s.order.reference for s in preview.overtaken),
                data=data,
            )
        changed = [s.order.reference for s in preview.sequence if s.status == StopStatus.PLANNED]
        events.publish("plan.routes_changed", {"plan": plan.reference, "orders": sorted(changed)})
        if live.routes_changed is not None:
            live.routes_changed([route.pk])
    return stop


def _write(preview: InsertionPreview) -> Stop:
    ctx, route, order, result = preview.ctx, preview.route, preview.order, preview.result
    visits = {v.stop_id: v for v in result.after.visits}
    changed, new = [], None
    for k, s in enumerate(preview.sequence, start=1):
        v = visits.get(stop_ref(s))
        before = (s.sequence, s.planned_arrival, s.planned_start, s.planned_departure)
        s.sequence = k
        if v is not None and s.status == StopStatus.PLANNED:
            s.planned_arrival = ctx.at(v.arrival_s)
            s.planned_start = ctx.at(v.start_s)
            s.planned_departure = ctx.at(v.departure_s)
        if s.pk is None:
            s.window_start, s.window_end = order.windows[0]
            new = s
        elif before != (s.sequence, s.planned_arrival, s.planned_start, s.planned_departure):
            changed.append(s)
    # One statement for the re-timed stops; (route, sequence) is unique only at commit.
    Stop.objects.bulk_update(
        changed, ["sequence", "planned_arrival", "planned_start", "planned_departure"]
    )
    new.save()
    end = ctx.at(result.after.end_s)
    route.end_at = max(end, route.start_at)
    route.distance_m = max(0, route.distance_m + preview.added_distance_m)
    route.duration_s = int((route.end_at - route.start_at).total_seconds())
    load = Demand(route.load_weight_kg, route.load_volume_m3, route.load_units) + ctx.demand.get(
        order.reference, order_demand(order)
    )
    route.load_weight_kg = load.weight_kg.quantize(Decimal("0.01"))
    route.load_volume_m3 = load.volume_m3.quantize(Decimal("0.001"))
    route.load_units = load.units
    if result.after.breaks:
        ready = ctx.at(preview.ready_s)
        kept = [
            b
            for b in route.breaks or []
            if dt.datetime.fromisoformat(b["start"]) + dt.timedelta(seconds=b["duration_s"])
            <= ready
        ]
        route.breaks = kept + [
            {"start": ctx.at(b.start_s).isoformat(), "duration_s": b.duration_s}
            for b in result.after.breaks
        ]
    route.save()
    plan = route.plan
    plan.orders.add(order)
    if any(u.get("order") == order.reference for u in plan.unassigned or []):
        plan.unassigned = [u for u in plan.unassigned if u.get("order") != order.reference]
        Plan.objects.filter(pk=plan.pk).update(unassigned=plan.unassigned)
    return new
