"""Capacity planning (routing.capacity): expected stops per depot and day against shifts."""

from datetime import timedelta

import pytest

from core.roles import Role
from forecasting.services import forecast_warehouse_refresh
from inventory.selectors.stock import warehouse_today
from routing.capacity import capacity_dashboard_cards, depot_capacity_outlook
from tests.conftest import make_user
from tests.factories import ShiftFactory, VehicleFactory


@pytest.fixture
def forecast_20_a_day(fc_warehouse, volume, settings):
    settings.FORECAST_STOPS_PER_DRIVER_HOUR = 2.0
    volume([20] * 21)
    forecast_warehouse_refresh(warehouse=fc_warehouse)


def _shift(depot, day, hours=12, units=200):
    from datetime import time

    return ShiftFactory(
        vehicle=VehicleFactory(depot=depot, capacity_units=units),
        date=day,
        start_time=time(7),
        end_time=time(7 + hours),
    )


def test_days_without_enough_shifts_are_flagged_short(fc_warehouse, forecast_20_a_day):
    tomorrow = warehouse_today(fc_warehouse) + timedelta(days=1)
    _shift(fc_warehouse, tomorrow, hours=6)  # 6 h x 2 stops = 12 < 20
    _shift(fc_warehouse, tomorrow + timedelta(days=1), hours=12)  # 24 >= 20
    outlook = depot_capacity_outlook(depot=fc_warehouse, days=3)
    assert [d.date for d in outlook] == [tomorrow + timedelta(days=i) for i in range(3)]
    first, second, third = outlook
    assert first.expected_stops == pytest.approx(20, abs=0.5)
    assert first.capacity_stops == 12 and first.is_short and first.missing_stops > 7
    assert second.capacity_stops == 24 and not second.is_short
    assert third.shifts == 0 and third.is_short


def test_dispatcher_dashboard_shows_tomorrow_and_the_week(fc_warehouse, forecast_20_a_day):
    tomorrow = warehouse_today(fc_warehouse) + timedelta(days=1)
    _shift(fc_warehouse, tomorrow, hours=12)
    cards = capacity_dashboard_cards(make_user(Role.DISPATCHER))
    titles = {c.title: c for c in cards}
    assert titles["Tomorrow · FCW"].value == "20 / 24"
    assert titles["Tomorrow · FCW"].tone in {"good", "warn"}
    week = titles["Next 7 days · FCW"]
    assert week.value == "6 days short" and week.tone == "bad"
    assert capacity_dashboard_cards(make_user(Role.PURCHASING)) == []
