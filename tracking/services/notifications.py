"""Customer notifications by email, once per event.

Rule: a `Notification` row is written in the same transaction as the event that causes it,
under a unique (order, kind, key) constraint; the email is sent after commit by a task that
claims the row (pending → sending, committed) before talking to the mail server and marks it
sent afterwards. A retried task, a replayed driver action or a second worker therefore never
sends twice, and neither does a redelivery after a worker died between the mail server
accepting the message and the row being marked sent: that row stays `sending` and is not
sent again. The bound is AT MOST ONCE (a message may be lost with a crashed worker, never
duplicated); an error from the mail server puts the row back to pending for the task's retry.

Kinds and keys: confirmed (once per order), out for delivery / arriving (per attempt `a<n>`),
ETA changed (per new window, or `late` once per stop: see `eta_change_is_material` for when,
at most TRACKING_ETA_NOTIFY_MAX_PER_DAY a day per order), delivered (once), failed (per
attempt).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from orders.models import CustomerOrder, FailureReason, OrderEvent
from orders.services import order_arriving
from tracking import clock, conf
from tracking.display import window_text
from tracking.models import Notification, StopEta

logger = logging.getLogger(__name__)
K = Notification.Kind

EVENT_KINDS = {
    OrderEvent.Type.CONFIRMED: K.CONFIRMED,
    OrderEvent.Type.OUT_FOR_DELIVERY: K.OUT_FOR_DELIVERY,
    OrderEvent.Type.ARRIVING: K.ARRIVING,
    OrderEvent.Type.DELIVERED: K.DELIVERED,
    OrderEvent.Type.FAILED: K.FAILED,
}
SUBJECTS = {
    K.CONFIRMED: "Your order {ref} is confirmed",
    K.OUT_FOR_DELIVERY: "Your order {ref} is out for delivery",
    K.ETA_CHANGED: "New delivery time for your order {ref}",
    K.ARRIVING: "Your order {ref} arrives soon",
    K.DELIVERED: "Your order {ref} was delivered",
    K.FAILED: "We could not deliver your order {ref}",
}


def tracking_url(order: CustomerOrder) -> str:
    base = conf.get("TRACKING_PUBLIC_BASE_URL").rstrip("/")
    return base + reverse("tracking_public:page", args=[order.tracking_token])


def _recipient(order: CustomerOrder) -> str:
    return order.contact_email or (order.customer.email if order.customer_id else "")


def current_stop(order: CustomerOrder):
    from routing.models import Stop

    return (
        Stop.objects.filter(order=order)
        .select_related("route__vehicle__depot")
        .order_by("-plan__date", "-id")
        .first()
    )


def notification_create(
    *, order: CustomerOrder, kind: str, key: str = "", context: dict | None = None
) -> Notification | None:
    """Record a notification in the caller's transaction and send it after commit.
    Returns None when this (order, kind, key) was already recorded."""
    tz = order.warehouse.tzinfo
    ctx = {
        "order": order,
        "url": tracking_url(order),
        "name": order.contact_name or (order.customer.name if order.customer_id else ""),
        "window": window_text(order.window_start, order.window_end, tz),
        **(context or {}),
    }
    recipient = _recipient(order)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                order=order,
                kind=kind,
                key=key[:64],
                recipient=recipient,
                subject=SUBJECTS[kind].format(ref=order.reference),
                body=render_to_string(f"tracking/email/{kind}.txt", ctx),
                status=Notification.Status.PENDING if recipient else Notification.Status.SKIPPED,
            )
    except IntegrityError:
        return None
    if recipient:
        from tracking.tasks import notification_send

        pk = notification.pk
        transaction.on_commit(
            lambda: notification_send.apply_async((pk,), queue=conf.get("TRACKING_QUEUE")),
            robust=True,
        )
    return notification


def notification_for_event(
    *, order_reference: str, type: str, at: dt.datetime | None, data: dict
) -> Notification | None:
    """The email an order timeline event of `type` (published as `order.<type>`, with the
    event's `data`) calls for, if any; called in the event's transaction by tracking's
    subscription (tracking.subscriptions)."""
    kind = EVENT_KINDS.get(type)
    if kind is None:
        return None
    order = (
        CustomerOrder.objects.select_related("customer", "warehouse")
        .filter(reference=order_reference)
        .first()
    )
    if order is None:
        return None
    attempts = order.attempts.count()
    context: dict = {}
    key = ""
    stop = None
    if kind in (K.OUT_FOR_DELIVERY, K.ARRIVING):
        key = f"a{attempts + 1}"
        stop = current_stop(order)
    elif kind == K.FAILED:
        key = f"a{attempts}"
        reason = (data or {}).get("reason", "")
        context["reason"] = FailureReason(reason).label if reason in FailureReason.values else ""
    elif kind == K.DELIVERED:
        stop = current_stop(order)
        pod = getattr(stop, "pod", None) if stop is not None else None
        context["pod"] = pod
        context["delivered_at"] = window_text(at, None, order.warehouse.tzinfo)
    if stop is not None and stop.eta_low and stop.eta_high:
        context["eta_window"] = window_text(stop.eta_low, stop.eta_high, order.warehouse.tzinfo)
        if kind == K.OUT_FOR_DELIVERY:
            # The window the customer was told: later moves are measured against it.
            StopEta.objects.update_or_create(
                stop=stop, defaults={"notified_low": stop.eta_low, "notified_high": stop.eta_high}
            )
    return notification_create(order=order, kind=kind, key=key, context=context)


def eta_change_is_material(
    *,
    notified_low: dt.datetime,
    notified_high: dt.datetime,
    low: dt.datetime,
    high: dt.datetime,
    became_late: bool,
    shift_s: float,
) -> bool:
    """When a customer who was told an ETA window (out for delivery) hears of a new one: the
    order became late (the ETA window now ends after the time window they chose), or the window
    moved by `shift_s` (TRACKING_ETA_NOTIFY_SHIFT_MIN) or more in a way that matters to them —
    it starts that much earlier (be ready sooner) or ends that much later (wait longer). A
    window that narrowed inside the one they were told, or moved less, is not news (the
    tracking page shows it). The ETA engine asks this on every recompute and records the new
    window as the one told when it answers yes."""
    if became_late:
        return True
    earlier = (notified_low - low).total_seconds()
    later = (high - notified_high).total_seconds()
    return earlier >= shift_s or later >= shift_s


def eta_window_moved(*, stop, low: dt.datetime, high: dt.datetime) -> Notification | None:
    """E-mail the new window (the change was material, see `eta_change_is_material`), unless
    the order already had TRACKING_ETA_NOTIFY_MAX_PER_DAY such e-mails today (the warehouse's
    day). A window past the customer's time window says so, once per stop."""
    order = stop.order
    tz = order.warehouse.tzinfo
    midnight = timezone.localtime(timezone.now(), tz).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    sent_today = Notification.objects.filter(
        order=order, kind=K.ETA_CHANGED, created_at__gte=midnight
    ).count()
    if sent_today >= conf.get("TRACKING_ETA_NOTIFY_MAX_PER_DAY"):
        return None
    late = StopEta.objects.filter(stop=stop, is_late_risk=True).exists()
    key = f"s{stop.pk}:{low.astimezone(tz):%H%M}-{high.astimezone(tz):%H%M}"
    if (
        late
        and not Notification.objects.filter(
            order=order, kind=K.ETA_CHANGED, key=f"s{stop.pk}:late"
        ).exists()
    ):
        key = f"s{stop.pk}:late"
    return notification_create(
        order=order,
        kind=K.ETA_CHANGED,
        key=key,
        context={"eta_window": window_text(low, high, tz), "late": late},
    )


def stop_became_next(*, stop) -> None:
    """The driver is now heading to this stop: the order's timeline says "arriving" (which
    publishes order.arriving and, through tracking's subscription, emails the customer) — once per
    attempt: the van turning towards the stop again adds no second entry or webhook."""
    T = OrderEvent.Type
    last = (
        OrderEvent.objects.filter(
            order_id=stop.order_id, type__in=(T.OUT_FOR_DELIVERY, T.ARRIVING, T.FAILED)
        )
        .order_by("-at", "-id")
        .values_list("type", flat=True)
        .first()
    )
    if last != T.ARRIVING:
        order_arriving(order=stop.order, eta=stop.eta)


def stops_announce_later(*, next_stop_ids: list[int], moved: list[tuple]) -> None:
    """After the caller's commit, queue one `stops_announce` task for what an ETA recompute
    found customers must hear (`moved`: (stop id, low, high) of material window moves)."""
    if not next_stop_ids and not moved:
        return
    from tracking.tasks import stops_announce_task

    args = (
        list(next_stop_ids),
        [(pk, low.isoformat(), high.isoformat()) for pk, low, high in moved],
    )
    transaction.on_commit(
        lambda: stops_announce_task.apply_async(args, queue=conf.get("TRACKING_QUEUE")),
        robust=True,
    )


def stops_announce(*, next_stop_ids: list[int], moved: list[tuple]) -> int:
    """Announce what ETA recomputes found, each stop in its own transaction (one failing stop
    holds back no other): a stop that became next gets its "arriving" entry (and through it the
    webhook and the e-mail) if it is still next and not yet reached; a window that moved
    materially gets its e-mail (`eta_window_moved`). Safe to run twice: "arriving" is added
    once per attempt and each e-mail once per key. Returns how many stops were announced."""
    from routing.models import Stop, StopStatus

    announced = 0
    related = ("order__warehouse", "order__customer", "route__vehicle__depot")
    still_next = set(
        StopEta.objects.filter(stop_id__in=next_stop_ids, is_next=True).values_list(
            "stop_id", flat=True
        )
    )
    for stop in Stop.objects.filter(pk__in=still_next, status=StopStatus.PLANNED).select_related(
        *related
    ):
        try:
            with transaction.atomic():
                stop_became_next(stop=stop)
            announced += 1
        except Exception:
            logger.exception("could not announce stop %s as next", stop.pk)
    windows = {pk: (low, high) for pk, low, high in moved}
    for stop in Stop.objects.filter(pk__in=windows, status=StopStatus.PLANNED).select_related(
        *related
    ):
        low, high = (dt.datetime.fromisoformat(v) for v in windows[stop.pk])
        try:
            with transaction.atomic():
                eta_window_moved(stop=stop, low=low, high=high)
            announced += 1
        except Exception:
            logger.exception("could not announce the new ETA window of stop %s", stop.pk)
    return announced


def notification_send(*, notification_id: int) -> str:
    """Send a pending notification (task body), at most once (see the module docstring).
    Sending, sent, skipped or failed ones are left alone."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.status != Notification.Status.PENDING:
            return "noop"
        notification.status = Notification.Status.SENDING
        notification.save(update_fields=["status"])
    try:
        send_mail(
            notification.subject,
            notification.body,
            settings.DEFAULT_FROM_EMAIL,
            [notification.recipient],
            fail_silently=False,
        )
    except Exception:
        # The server refused it or was unreachable: nothing went out, so a retry may send it.
        Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENDING).update(
            status=Notification.Status.PENDING
        )
        raise
    notification_mark_sent(notification=notification)
    return "sent"


def notification_mark_sent(*, notification: Notification) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SENT, sent_at=clock.now()
    )


def notification_fail(*, notification_id: int, error: str) -> None:
    Notification.objects.filter(pk=notification_id, status=Notification.Status.PENDING).update(
        status=Notification.Status.FAILED, error=error[:500]
    )
