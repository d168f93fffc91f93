"""Bridges from lower apps' writes to tracking (connected in TrackingConfig.ready).

orders and routing may not import tracking, so tracking listens: an order timeline event may
call for an email (written in the same transaction, see services.notifications), and any change
of an order or stop invalidates its cached tracking page. No business rule lives here.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from orders.models import CustomerOrder, OrderEvent
from routing.models import Stop
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
