"""Customer emails: once per event, after commit, never twice on a retried task."""

import datetime as dt

import pytest
from django.core import mail

from orders.services import order_event_add
from tracking import services
from tracking.models import Notification, StopEta
from tracking.tasks import notification_send

from .conftest import stops_of

pytestmark = pytest.mark.django_db


def test_emails_are_sent_only_after_commit(route, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.route_start(route=route, now=now)
        assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 4  # three out for delivery, one arriving


def test_a_retried_send_task_does_not_send_twice(route, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.route_start(route=route, now=now)
    sent = len(mail.outbox)
    for notification in Notification.objects.all():
        notification_send.apply(args=(notification.pk,))
    assert len(mail.outbox) == sent


def test_the_same_event_twice_records_one_notification(route, now):
    order = stops_of(route)[0].order
    order_event_add(order=order, type="confirmed")
    order_event_add(order=order, type="confirmed")
    assert Notification.objects.filter(order=order, kind="confirmed").count() == 1


def test_eta_moved_beyond_the_threshold_emails_once(
    route, now, settings, django_capture_on_commit_callbacks
):
    settings.TRACKING_ETA_NOTIFY_SHIFT_MIN = 15
    with django_capture_on_commit_callbacks(execute=True):
        services.route_start(route=route, now=now)
        c = stops_of(route)[2]
        promised = StopEta.objects.get(stop=c)
        assert promised.notified_low == c.eta_low
        services.route_etas_refresh(route_id=route.pk, now=now + dt.timedelta(minutes=10))
        assert not Notification.objects.filter(kind="eta_changed").exists()
        services.route_etas_refresh(route_id=route.pk, now=now + dt.timedelta(minutes=40))
        services.route_etas_refresh(route_id=route.pk, now=now + dt.timedelta(minutes=41))
    moved = [m for m in mail.outbox if "New delivery time" in m.subject]
    assert len(moved) == 3  # each of the three stops, once
    assert "we now expect to arrive between" in moved[0].body


def test_no_email_address_is_recorded_as_skipped(make_route, matrix_provider, now):
    route = make_route(emails=False)
    services.route_start(route=route, now=now)
    assert set(Notification.objects.values_list("status", flat=True)) == {"skipped"}


def test_the_van_turning_to_a_stop_again_adds_no_second_arriving_entry(route, now):
    from orders.models import OrderEvent
    from tracking.services.notifications import stop_became_next

    services.route_start(route=route, now=now)  # the first stop became next: "arriving"
    first = stops_of(route)[0]
    stop_became_next(stop=first)
    stop_became_next(stop=first)
    events = OrderEvent.objects.filter(order=first.order, type=OrderEvent.Type.ARRIVING)
    assert events.count() == 1


def test_a_worker_dying_after_the_mail_server_accepted_never_sends_twice(
    route, now, django_capture_on_commit_callbacks, monkeypatch
):
    """The bound is at most once: the SMTP server took the message, the worker died before
    the row said `sent`, the broker redelivers the task, and the customer gets no second copy."""
    from tracking.services import notifications

    with django_capture_on_commit_callbacks(execute=False):
        services.route_start(route=route, now=now)
    notification = Notification.objects.filter(status="pending").first()

    def worker_dies(**kwargs):
        raise SystemExit("worker killed between SMTP acceptance and the status update")

    monkeypatch.setattr(notifications, "notification_mark_sent", worker_dies)
    with pytest.raises(SystemExit):
        notifications.notification_send(notification_id=notification.pk)
    assert len(mail.outbox) == 1  # the server accepted it
    monkeypatch.undo()
    notification_send.apply(args=(notification.pk,))  # the redelivered task
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.status == "sending"  # outcome unknown, shown as such; never resent


def test_a_mail_server_error_leaves_the_notification_to_the_retry(
    route, now, django_capture_on_commit_callbacks, monkeypatch
):
    from tracking.services import notifications

    with django_capture_on_commit_callbacks(execute=False):
        services.route_start(route=route, now=now)
    notification = Notification.objects.filter(status="pending").first()

    def refused(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(notifications, "send_mail", refused)
    with pytest.raises(ConnectionRefusedError):
        notifications.notification_send(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == "pending" and mail.outbox == []
    monkeypatch.undo()
    assert notifications.notification_send(notification_id=notification.pk) == "sent"
    assert len(mail.outbox) == 1


def test_the_rule_for_an_eta_email_is_a_material_change():
    from tracking.services.notifications import eta_change_is_material

    told_low = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    told_high = told_low + dt.timedelta(minutes=60)

    def material(low_min, high_min, became_late=False):
        return eta_change_is_material(
            notified_low=told_low,
            notified_high=told_high,
            low=told_low + dt.timedelta(minutes=low_min),
            high=told_high + dt.timedelta(minutes=high_min),
            became_late=became_late,
            shift_s=15 * 60,
        )

    assert not material(20, -20)  # narrowed inside the window told: not news
    assert not material(14, 14) and not material(-14, 0)  # moved less than 15 minutes
    assert material(15, 15) and material(30, 30)  # ends 15 minutes later or more
    assert material(-15, -15)  # starts 15 minutes earlier: be ready sooner
    assert material(5, 5, became_late=True)  # now past the customer's time window


def test_eta_emails_are_capped_per_order_and_day(route, now, settings):
    settings.TRACKING_ETA_NOTIFY_SHIFT_MIN = 15
    settings.TRACKING_ETA_NOTIFY_MAX_PER_DAY = 2
    services.route_start(route=route, now=now)
    # The van does not move: every 40 minutes each window ends 40 minutes later.
    for minutes in (40, 80, 120, 160):
        services.route_etas_refresh(route_id=route.pk, now=now + dt.timedelta(minutes=minutes))
    for stop in stops_of(route):
        moved = Notification.objects.filter(order=stop.order, kind="eta_changed")
        assert moved.count() == 2


def test_an_order_becoming_late_is_told_once_that_it_is_late(route, now, settings):
    settings.TRACKING_ETA_NOTIFY_SHIFT_MIN = 60
    services.route_start(route=route, now=now)
    c = stops_of(route)[2]
    # The customer's window closes a little after the ETA window told: a 10-minute delay
    # (below the 60-minute threshold) makes the order late.
    promised = StopEta.objects.get(stop=c)
    window_end = promised.notified_high + dt.timedelta(minutes=5)
    type(c).objects.filter(pk=c.pk).update(window_end=window_end)
    type(c.order).objects.filter(pk=c.order_id).update(window_end=window_end)
    services.route_etas_refresh(route_id=route.pk, now=now + dt.timedelta(minutes=10))
    services.route_etas_refresh(route_id=route.pk, now=now + dt.timedelta(minutes=12))
    late = Notification.objects.filter(order=c.order, kind="eta_changed")
    assert [n.key for n in late] == [f"s{c.pk}:late"]
    assert "we are running late" in late.get().body
