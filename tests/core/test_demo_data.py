"""`manage.py seed_demo` as a new user gets it: every feature has data to show (delivery PIN and
cash on delivery on the hand-driven driver's route, a pickup return waiting for the next plan,
a sandbox carrier shipment, next week's shifts, promised partner orders), and loading it again
changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from carriers.models import Shipment
from orders.models import CustomerOrder, OrderStatus, Return
from promising.models import PromiseReservation
from routing.models import Plan, Shift, Stop

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def small_demo(monkeypatch, settings):
    monkeypatch.setattr("orders.demo.ORDERS_PER_WAREHOUSE", 16)
    monkeypatch.setattr("orders.demo.PAST_DELIVERED", 8)
    monkeypatch.setattr("routing.demo.PLAN_TIME_LIMIT_S", 1)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict:
    return {
        "orders": CustomerOrder.objects.count(),
        "shifts": Shift.objects.count(),
        "plans": Plan.objects.count(),
        "stops": Stop.objects.count(),
        "returns": Return.objects.count(),
        "shipments": Shipment.objects.count(),
        "holds": PromiseReservation.objects.count(),
    }


def test_the_demo_shows_every_feature_and_loads_once(small_demo):
    today = timezone.localdate(timezone=ZoneInfo("Europe/Berlin"))  # the demo depots' date
    # Delivery PIN and cash on delivery on the route a person drives in the driver app.
    handover = CustomerOrder.objects.filter(external_ref__contains=f"{today:%Y%m%d}-")
    pins = handover.filter(requires_pin=True, external_ref__contains="PIN")
    cod = handover.filter(cod_amount__isnull=False)
    assert pins.count() >= 2 and cod.count() >= 2, small_demo
    driver_stops = Stop.objects.filter(
        plan__date=today, route__shift__driver__user__username="driver"
    )
    berlin_now = timezone.localtime(timezone.now(), ZoneInfo("Europe/Berlin"))
    if berlin_now.hour < 14:  # later in the day the driver's shift has no room left for them
        assert driver_stops.filter(order__in=pins).count() == pins.count(), small_demo
        assert driver_stops.filter(order__in=cod).count() == cod.count(), small_demo

    # A "pickup by us" return approved and left for the next plan (its window is tomorrow).
    waiting = Return.objects.filter(
        method=Return.Method.PICKUP,
        status=Return.Status.APPROVED,
        pickup_window_start__date__gt=today,
    )
    assert waiting.exists()
    assert not Stop.objects.filter(ret__in=waiting).exists()

    # One packed demo order handed to the sandbox carrier, whose tracking then plays.
    shipment = Shipment.objects.select_related("order", "carrier").get()
    assert shipment.carrier.code == "swiftpost" and shipment.tracking_number.startswith("SBX")
    assert shipment.order.external_ref.startswith("DEMO-")

    # Shifts on each of the next seven days, so the fleet's week view has a week to show.
    for ahead in range(1, 8):
        assert Shift.objects.filter(date=today + dt.timedelta(days=ahead)).count() == 10

    # Partner orders placed with a held delivery option keep the promise.
    promised = CustomerOrder.objects.filter(external_ref__startswith="DEMO-PROMISE-")
    assert promised.count() == 3, small_demo
    assert (
        PromiseReservation.objects.filter(
            order__in=promised, status=PromiseReservation.Status.USED
        ).count()
        == 3
    )
    assert not promised.exclude(status=OrderStatus.NEW).exists()

    before = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == before
