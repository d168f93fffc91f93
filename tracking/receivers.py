"""Bridges from lower apps' writes to tracking (connected in TrackingConfig.ready).

orders and routing may not import tracking, so tracking listens: an order timeline event may
call for an email (written in the same transaction, see services.notifications), and any change
of an order or stop invalidates its cached tracking page, and a published plan asks for its
routes' first ETAs (customers see a window before the van leaves; the `eta_sweep` beat would
otherwise catch them up to 30 s later). No business rule lives here.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from orders.models import CustomerOrder, OrderEvent
from routing.models import Plan, PlanStatus, Stop
from tracking import clock
from tracking.services import notifications
from tracking.services.pages import page_invalidate


@receiver(post_save, sender=OrderEvent, dispatch_uid="tracking_order_event")
def _order_event_saved(sender, instance: OrderEvent, created: bool, raw: bool = False, **kwargs):
    if raw or not created:
        return
    token = (
        CustomerOrder.objects.filter(pk=instance.order_id)
        .values_list("tracking_token", flat=True)
        .first()
    )
    if token:
        page_invalidate(token=token)
    notifications.notification_for_event(event=instance)


@receiver(post_save, sender=CustomerOrder, dispatch_uid="tracking_order_saved")
def _order_saved(sender, instance: CustomerOrder, raw: bool = False, **kwargs):
    if not raw and instance.tracking_token:
        page_invalidate(token=instance.tracking_token)


@receiver(post_save, sender=Stop, dispatch_uid="tracking_stop_saved")
def _stop_saved(sender, instance: Stop, raw: bool = False, **kwargs):
    if raw:
        return
    token = (
        CustomerOrder.objects.filter(pk=instance.order_id)
        .values_list("tracking_token", flat=True)
        .first()
    )
    if token:
        page_invalidate(token=token)


@receiver(post_save, sender=Plan, dispatch_uid="tracking_plan_published")
def _plan_saved(sender, instance: Plan, raw: bool = False, update_fields=None, **kwargs):
    if raw or instance.status != PlanStatus.PUBLISHED:
        return
    if update_fields is not None and "status" not in update_fields:
        return
    if instance.date < timezone.localdate(clock.now()):
        return  # a past day's plan: nothing left to predict
    from tracking.services.eta import eta_request

    route_ids = list(instance.routes.values_list("pk", flat=True))
    transaction.on_commit(
        lambda: [eta_request(route_id=pk, force=True) for pk in route_ids], robust=True
    )
