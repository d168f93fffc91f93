"""The quote cache: a depot's calendar and stock are cached for minutes, yet a hold, an order,
a shift or a stock change shows in the very next quote."""

from __future__ import annotations

import datetime as dt

import pytest

from orders.services import order_cancel, order_create
from promising.selectors import delivery_options
from promising.services import delivery_option_reserve, reservations_expire
from tests.factories import ShiftFactory, VehicleFactory
from tests.promising.conftest import DESTINATION, berlin_time

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def one_stop_a_slot(settings):
    # 8 shift hours x 0.5 = 4 stops a day: one in each 2-hour slot.
    settings.FORECAST_STOPS_PER_DRIVER_HOUR = 0.5
    settings.PROMISING_QUOTE_CACHE_S = 300


def slot_hours(now, depot, sku="MUG-1"):
    result = delivery_options(
        destination=DESTINATION, items=[{"sku": sku, "quantity": 1}], now=now, days=1
    )
    return [o.window_start.astimezone(depot.tzinfo).hour for o in result.options], result


def test_a_hold_and_its_expiry_show_in_the_next_quote(
    depot, week_of_shifts, receive, mug, today, django_capture_on_commit_callbacks
):
    receive(mug, 5)
    now = berlin_time(today, 9)
    hours, result = slot_hours(now, depot)
    assert hours == [8, 10, 12, 14]
    with django_capture_on_commit_callbacks(execute=True):
        hold = delivery_option_reserve(option_id=result.options[1].option_id, now=now)
    assert slot_hours(now, depot)[0] == [8, 12, 14]
    later = hold.expires_at + dt.timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert reservations_expire(now=later) == 1
    assert slot_hours(later, depot)[0] == [8, 10, 12, 14]


def test_an_order_booked_elsewhere_and_its_cancelling_show_in_the_next_quote(
    depot, week_of_shifts, receive, mug, today, django_capture_on_commit_callbacks
):
    receive(mug, 5)
    now = berlin_time(today, 9)
    assert slot_hours(now, depot)[0] == [8, 10, 12, 14]
    tomorrow = today + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_create(
            warehouse=depot,
            address="Greifswalder Str. 1, Berlin",
            latitude=DESTINATION["lat"],
            longitude=DESTINATION["lon"],
            window_start=berlin_time(tomorrow, 12),
            window_end=berlin_time(tomorrow, 14),
            customer_name="Staff phone order",
            lines=[{"product": mug, "quantity": 1}],
        )
    assert slot_hours(now, depot)[0] == [8, 10, 14]
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, reason="Customer called back")
    assert slot_hours(now, depot)[0] == [8, 10, 12, 14]


def test_a_shift_booked_shows_in_the_next_quote(depot, receive, mug, today):
    receive(mug, 5)
    now = berlin_time(today, 9)
    hours, result = slot_hours(now, depot)
    assert hours == [] and result.reasons[0]["code"] == "no_shifts"
    ShiftFactory(
        vehicle=VehicleFactory(depot=depot),
        date=today + dt.timedelta(days=1),
        start_time=dt.time(8),
        end_time=dt.time(16),
    )
    assert slot_hours(now, depot)[0] == [8, 10, 12, 14]


def test_stock_received_shows_in_the_next_quote(depot, week_of_shifts, receive, mug, today):
    now = berlin_time(today, 9)
    hours, result = slot_hours(now, depot)
    assert hours == [] and result.reasons[0]["code"] == "stock_shortfall"
    receive(mug, 1)
    assert slot_hours(now, depot)[0] == [8, 10, 12, 14]


def test_a_cached_quote_costs_two_queries(
    partner_api, week_of_shifts, receive, mug, lamp, django_assert_max_num_queries
):
    receive(mug, 4)
    receive(lamp, 4)
    client = partner_api()
    body = {
        "destination": DESTINATION,
        "items": [{"sku": "MUG-1", "quantity": 1}, {"sku": "LAMP-1", "quantity": 1}],
        "days": 7,
    }
    assert client.post("/api/v1/delivery-options/", body, format="json").status_code == 200
    # Routing's fingerprint of the shifts and the stock ledger's head; the rest is cached.
    with django_assert_max_num_queries(2):
        answer = client.post("/api/v1/delivery-options/", body, format="json")
    assert answer.status_code == 200 and len(answer.json()["options"]) == 28


def test_time_off_recorded_shows_in_the_next_quote(depot, week_of_shifts, receive, mug, today):
    from routing.fleet.models import DriverTimeOff

    receive(mug, 5)
    now = berlin_time(today, 9)
    assert slot_hours(now, depot)[0] == [8, 10, 12, 14]
    tomorrow = today + dt.timedelta(days=1)
    DriverTimeOff.objects.create(
        driver=week_of_shifts[0].driver, start_date=tomorrow, end_date=tomorrow, reason="ill"
    )
    hours, result = slot_hours(now, depot)
    assert hours == [] and result.reasons[0]["code"] == "no_shifts"
