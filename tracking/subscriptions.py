"""What tracking does when the apps below it report a change. orders and routing may not import
tracking, so tracking subscribes to the events their services publish through core.events
(connected in TrackingConfig.ready). Each handler runs inside the publishing transaction and only
records or defers work; no business rule lives here.

- `order.*`, `return.*` (orders): the order's cached tracking page is forgotten after commit; an
  order event that calls for an email records it in the event's transaction (see
  services.notifications: written with the event, sent after commit).
- `order.out_for_delivery` of an order that needs a delivery PIN: the PIN is issued and sent
  after commit (tracking.services.handover.delivery_pin_send).
- `stop.status_changed` (routing's `stop_status_set`): the route's ETAs are recomputed and the
  stop's page forgotten after commit.
- `plan.routes_changed` (routing's re-optimisation and stop moves): the pages of the orders whose
  stops changed are forgotten after commit (their ETAs follow at the next recompute or sweep).
- `plan.published` (routing): the routes' first ETAs are asked for after commit, so customers
  see a window before the van leaves (the `eta_sweep` beat would otherwise catch them up to 30 s
  later); a past day's plan has nothing left to predict.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core import events
from core.models import OutboxEvent
from orders.models import CustomerOrder
from routing.models import Route, Stop
from tracking import clock, conf
from tracking.services import notifications
from tracking.services.eta import eta_request
from tracking.services.pages import pages_invalidate


def connect() -> None:
    events.subscribe(order_event_published, types=["order.*", "return.*"])
    events.subscribe(stop_status_changed, types=["stop.status_changed"])
    events.subscribe(plan_routes_changed, types=["plan.routes_changed"])
    events.subscribe(plan_published, types=["plan.published"])


def _pages_forget(tokens) -> None:
    tokens = [t for t in tokens if t]
    if tokens:
        transaction.on_commit(lambda: pages_invalidate(tokens=tokens), robust=True)


def _etas_request(route_ids) -> None:
    route_ids = sorted(set(route_ids))
    if route_ids:
        transaction.on_commit(
            lambda: [eta_request(route_id=pk, force=True) for pk in route_ids], robust=True
        )


def order_event_published(event: OutboxEvent) -> None:
    payload = event.payload
    reference = payload.get("order", "")
    _pages_forget(
        CustomerOrder.objects.filter(reference=reference).values_list("tracking_token", flat=True)
    )
    if event.type == "order.out_for_delivery":
        _delivery_pin_send(reference)
    if event.type.startswith("order.") and "return" not in payload:
        notifications.notification_for_event(
            order_reference=reference,
            type=event.type.removeprefix("order."),
            at=dt.datetime.fromisoformat(payload["at"]) if payload.get("at") else None,
            data=payload,
        )


def _delivery_pin_send(reference: str) -> None:
    """An order that needs a delivery PIN gets one when it goes out for delivery (after
    commit, by a task: the PIN is made and sent there, see services.handover)."""
    pk = (
        CustomerOrder.objects.filter(reference=reference, requires_pin=True)
        .values_list("pk", flat=True)
        .first()
    )
    if pk:
        from tracking.tasks import delivery_pin_send

        transaction.on_commit(
            lambda: delivery_pin_send.apply_async((pk,), queue=conf.get("TRACKING_QUEUE")),
            robust=True,
        )


def stop_status_changed(event: OutboxEvent) -> None:
    stop = (
        Stop.objects.filter(
            plan__reference=event.payload.get("plan"), order__reference=event.payload.get("order")
        )
        .values_list("route_id", "order__tracking_token")
        .first()
    )
    if stop is not None:
        route_id, token = stop
        _pages_forget([token])
        _etas_request([route_id])


def plan_routes_changed(event: OutboxEvent) -> None:
    _pages_forget(
        CustomerOrder.objects.filter(reference__in=event.payload.get("orders") or []).values_list(
            "tracking_token", flat=True
        )
    )


def plan_published(event: OutboxEvent) -> None:
    day = dt.date.fromisoformat(event.payload["date"])
    if day < timezone.localdate(clock.now()):
        return
    _etas_request(
        Route.objects.filter(plan__reference=event.payload["plan"]).values_list("pk", flat=True)
    )
