"""Taking an order out of own-fleet planning (it goes to a carrier instead)."""

from __future__ import annotations

from django.db import transaction

from core.exceptions import Conflict
from orders.models import CustomerOrder
from routing.models import Plan, PlanStatus, Route, Stop


@transaction.atomic
def order_release_from_drafts(*, order: CustomerOrder, user=None) -> list[str]:
    """Remove `order` from every plan not yet published (its stop too; the route's remaining
    stops close ranks) and return those plans' references. 409 while such a plan is being
    optimised, or when the order is on a published plan's route."""
    published = Stop.objects.filter(order=order, plan__status=PlanStatus.PUBLISHED)
    if published.exists():
        stop = published.select_related("plan").first()
        raise Conflict(
            f"{order.reference} is on a route of published plan {stop.plan.reference}; "
            "take it off that route first.",
            field="order",
            code="on_published_route",
        )
    plans = list(
        Plan.objects.select_for_update()
        .filter(orders=order)
        .exclude(status=PlanStatus.PUBLISHED)
        .order_by("pk")
    )
    busy = [p.reference for p in plans if p.status == PlanStatus.OPTIMIZING]
    if busy:
        raise Conflict(
            f"Plan {', '.join(busy)} is being optimised; wait until it finishes.",
            field="order",
            code="plan_optimizing",
        )
    for plan in plans:
        route_ids = list(
            Stop.objects.filter(plan=plan, order=order).values_list("route_id", flat=True)
        )
        Stop.objects.filter(plan=plan, order=order).delete()
        for route in Route.objects.filter(pk__in=route_ids):
            stops = list(route.stops.order_by("sequence"))
            for number, stop in enumerate(stops, start=1):
                if stop.sequence != number:
                    stop.sequence = number
                    stop.save(update_fields=["sequence"])
        plan.orders.remove(order)
    return [p.reference for p in plans]
