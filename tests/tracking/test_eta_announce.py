"""First ETAs from pings: the ETA tick writes the ETAs and flags, and what customers must hear
(the next stop's "arriving" entry, its webhook event and e-mail) follows in a task of its own
after commit, so a batch of first ETAs never waits on it."""

import pytest

from orders.models import OrderEvent
from routing.models import RouteStatus, StopStatus
from tracking.models import Notification, StopEta
from tracking.services import eta as eta_services
from tracking.services.eta import debounce

from .conftest import stops_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def rolling(make_route, matrix_provider):
    """A route already on its way (orders out for delivery) that has no ETA yet: its first
    comes from a ping, as for a van whose driver never pressed "start"."""
    route = make_route(status="out_for_delivery")
    route.status = RouteStatus.IN_PROGRESS
    route.save(update_fields=["status"])
    return route


@pytest.fixture
def ticks(monkeypatch):
    sent = []
    monkeypatch.setattr(debounce, "_tick_send", lambda countdown: sent.append(countdown))
    return sent


def _arriving(stop):
    return OrderEvent.objects.filter(order=stop.order, type=OrderEvent.Type.ARRIVING)


def test_first_eta_from_a_tick_announces_the_next_stop_after_commit(
    rolling, now, ticks, django_capture_on_commit_callbacks
):
    first = stops_of(rolling)[0]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        eta_services.eta_request(route_id=rolling.pk)
        assert eta_services.eta_tick_run(now=now) == 1
        # The ETA transaction wrote ETAs and the "next" flag but announced nothing yet.
        assert stops_of(rolling)[0].eta is not None
        assert StopEta.objects.get(stop=first).is_next
        assert not _arriving(first).exists()
        assert not Notification.objects.filter(kind="arriving").exists()
    announce = [c for c in callbacks if "stops_announce" in c.__qualname__]
    assert len(announce) == 1  # one announcement task for the tick

    with django_capture_on_commit_callbacks(execute=True):
        announce[0]()
    assert _arriving(first).count() == 1
    arriving = Notification.objects.get(kind="arriving")
    assert arriving.order == first.order and arriving.recipient.startswith("c1-")

    with django_capture_on_commit_callbacks(execute=True):
        announce[0]()  # the task delivered twice
    assert _arriving(first).count() == 1
    assert Notification.objects.filter(kind="arriving").count() == 1


def test_a_stop_reached_before_the_task_ran_is_not_announced(
    rolling, now, ticks, django_capture_on_commit_callbacks
):
    first = stops_of(rolling)[0]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        eta_services.eta_request(route_id=rolling.pk)
        eta_services.eta_tick_run(now=now)
    first.status = StopStatus.ARRIVED
    first.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert not _arriving(first).exists()


def test_one_failing_announcement_does_not_hold_back_the_others(
    rolling, now, monkeypatch, django_capture_on_commit_callbacks
):
    from tracking.services import notifications

    real = notifications.stop_became_next
    first = stops_of(rolling)[0]
    calls = []

    def flaky(*, stop):
        calls.append(stop.pk)
        if len(calls) == 1:
            raise RuntimeError("mail template broken")
        return real(stop=stop)

    monkeypatch.setattr(notifications, "stop_became_next", flaky)
    StopEta.objects.create(stop=first, is_next=True)
    second = stops_of(rolling)[1]
    StopEta.objects.create(stop=second, is_next=True)
    with django_capture_on_commit_callbacks(execute=True):
        announced = notifications.stops_announce(next_stop_ids=[first.pk, second.pk], moved=[])
    assert announced == 1 and len(calls) == 2
