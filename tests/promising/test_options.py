"""Delivery options: what can be promised, from which day, and why not."""

from __future__ import annotations

import datetime as dt

import pytest

from core.exceptions import ValidationFailed
from promising.selectors import delivery_options
from tests.factories import CustomerOrderFactory, WarehouseFactory
from tests.promising.conftest import DESTINATION, berlin_time

pytestmark = pytest.mark.django_db


def ask(now, items, **kwargs):
    return delivery_options(destination=DESTINATION, items=items, now=now, **kwargs)


def test_stock_on_hand_offers_two_hour_slots_from_tomorrow(week_of_shifts, receive, mug, today):
    receive(mug, 5)
    result = ask(berlin_time(today, 9), [{"sku": "MUG-1", "quantity": 2}], days=2)
    tomorrow = today + dt.timedelta(days=1)
    assert [(o.date, o.window_start.hour) for o in result.options] == [
        (tomorrow, 8),
        (tomorrow, 10),
        (tomorrow, 12),
        (tomorrow, 14),
        (tomorrow + dt.timedelta(days=1), 8),
        (tomorrow + dt.timedelta(days=1), 10),
        (tomorrow + dt.timedelta(days=1), 12),
        (tomorrow + dt.timedelta(days=1), 14),
    ]
    first = result.options[0]
    assert first.window_end - first.window_start == dt.timedelta(hours=2)
    assert first.warehouse == "PRM"
    assert 0 < first.confidence <= 1
    assert first.cost > 0
    assert result.reasons == []


def test_order_after_the_cutoff_moves_the_first_day_back_by_one(
    week_of_shifts, receive, mug, today
):
    receive(mug, 5)
    before = ask(berlin_time(today, 13, 59), [{"sku": "MUG-1", "quantity": 1}], days=1)
    after = ask(berlin_time(today, 14, 1), [{"sku": "MUG-1", "quantity": 1}], days=1)
    assert {o.date for o in before.options} == {today + dt.timedelta(days=1)}
    assert {o.date for o in after.options} == {today + dt.timedelta(days=2)}


def test_depot_cutoff_setting_wins_over_the_default(week_of_shifts, receive, mug, depot, today):
    from promising.models import DepotPromiseSettings

    DepotPromiseSettings.objects.create(warehouse=depot, cutoff_time=dt.time(10))
    receive(mug, 5)
    result = ask(berlin_time(today, 11), [{"sku": "MUG-1", "quantity": 1}], days=1)
    assert {o.date for o in result.options} == {today + dt.timedelta(days=2)}


def test_stock_only_on_order_is_promised_after_the_suppliers_measured_lateness(
    week_of_shifts, purchase, late_supplier, lamp, today
):
    # Promised for in 3 days by a supplier that is 2 days late on average: the lamps are
    # expected in 5 days and leave the depot the day after.
    purchase(lamp, 10, promised=today + dt.timedelta(days=3), supplier=late_supplier)
    result = ask(berlin_time(today, 9), [{"sku": "LAMP-1", "quantity": 3}], days=7)
    assert result.options, result.reasons
    assert result.options[0].date == today + dt.timedelta(days=6)
    # Waiting on a late supplier is less certain than stock on the shelf.
    assert result.options[0].confidence < 0.9


def test_no_stock_answers_the_shortfall_and_when_more_is_expected(
    week_of_shifts, purchase, receive, mug, lamp, today
):
    receive(mug, 1)
    purchase(lamp, 4, promised=today + dt.timedelta(days=20))
    result = ask(
        berlin_time(today, 9),
        [{"sku": "MUG-1", "quantity": 3}, {"sku": "LAMP-1", "quantity": 2}],
        days=3,
    )
    assert result.options == []
    (reason,) = result.reasons
    assert reason["code"] == "stock_shortfall"
    by_sku = {i["sku"]: i for i in reason["items"]}
    assert by_sku["MUG-1"] == {
        "sku": "MUG-1",
        "requested": 3,
        "available": 1,
        "shortfall": 2,
        "on_order": 0,
        "expected_date": None,
    }
    assert by_sku["LAMP-1"]["expected_date"] == (today + dt.timedelta(days=21)).isoformat()


def test_a_full_day_is_not_offered(week_of_shifts, receive, mug, depot, today, settings):
    # 8 shift hours x 1 stop an hour: 8 stops a day, 2 per slot.
    settings.FORECAST_STOPS_PER_DRIVER_HOUR = 1
    receive(mug, 5)
    tomorrow = today + dt.timedelta(days=1)
    for _ in range(8):
        CustomerOrderFactory(
            warehouse=depot,
            window_start=berlin_time(tomorrow, 8),
            window_end=berlin_time(tomorrow, 16),
        )
    result = ask(berlin_time(today, 9), [{"sku": "MUG-1", "quantity": 1}], days=2)
    assert {o.date for o in result.options} == {tomorrow + dt.timedelta(days=1)}


def test_a_full_slot_is_not_offered_and_full_days_are_the_reason(
    week_of_shifts, receive, mug, depot, today, settings
):
    settings.FORECAST_STOPS_PER_DRIVER_HOUR = 1
    receive(mug, 5)
    tomorrow = today + dt.timedelta(days=1)
    for _ in range(2):
        CustomerOrderFactory(
            warehouse=depot,
            window_start=berlin_time(tomorrow, 8),
            window_end=berlin_time(tomorrow, 10),
        )
    result = ask(berlin_time(today, 9), [{"sku": "MUG-1", "quantity": 1}], days=1)
    assert [o.window_start.hour for o in result.options] == [10, 12, 14]
    only_early = ask(
        berlin_time(today, 9),
        [{"sku": "MUG-1", "quantity": 1}],
        days=1,
        wished_window=(dt.time(8), dt.time(10)),
    )
    assert only_early.options == []
    assert only_early.reasons[0]["code"] == "capacity_full"
    assert only_early.reasons[0]["dates"] == [tomorrow.isoformat()]


def test_wished_date_starts_the_options_there(week_of_shifts, receive, mug, today):
    receive(mug, 5)
    wished = today + dt.timedelta(days=4)
    result = ask(berlin_time(today, 9), [{"sku": "MUG-1", "quantity": 1}], wished_date=wished)
    assert result.options[0].date == wished


def test_unknown_skus_are_named_by_position(week_of_shifts, receive, mug, today):
    with pytest.raises(ValidationFailed) as error:
        ask(
            berlin_time(today, 9),
            [{"sku": "MUG-1", "quantity": 1}, {"sku": "NOPE", "quantity": 1}],
        )
    assert [e["field"] for e in error.value.errors] == ["items[1].sku"]


def test_a_destination_outside_every_service_area_is_unreachable(week_of_shifts, mug, today):
    WarehouseFactory(code="FAR", latitude="48.137", longitude="11.575")  # Munich, inactive? no
    with pytest.raises(ValidationFailed) as error:
        delivery_options(
            destination={"lat": 50.0, "lon": 8.0},
            items=[{"sku": "MUG-1", "quantity": 1}],
            now=berlin_time(today, 9),
        )
    assert error.value.errors[0]["field"] == "destination"


def test_an_address_without_a_geocoder_is_unreachable(week_of_shifts, mug, today, settings):
    settings.GEOCODER_URL = ""
    with pytest.raises(ValidationFailed) as error:
        delivery_options(
            destination={"address": "Unter den Linden 1, Berlin"},
            items=[{"sku": "MUG-1", "quantity": 1}],
            now=berlin_time(today, 9),
        )
    assert error.value.errors[0]["field"] == "destination"
