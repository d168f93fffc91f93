"""Slot capacity learned from what the optimiser's plans of recent days fitted at the depot
(routing.capacity.depot_stops_rate), and the flat rule without such history."""

from __future__ import annotations

import datetime as dt

import pytest

from promising.selectors import delivery_options
from routing.capacity import depot_capacity_outlook, depot_stops_rate
from routing.models import Plan, Route, Stop
from tests.factories import CustomerOrderFactory, ShiftFactory, VehicleFactory, WarehouseFactory
from tests.promising.conftest import DESTINATION, berlin_time

pytestmark = pytest.mark.django_db


def past_route(*, depot, shift, stops: int, hours: float, status=Plan.Status.PUBLISHED):
    """A plan of `shift`'s day at `depot` whose one route served `stops` in `hours`."""
    plan = Plan.objects.create(
        reference=f"PLN-T-{shift.pk}-{status}", date=shift.date, status=status
    )
    plan.depots.add(depot)
    start = berlin_time(shift.date, 8)
    route = Route.objects.create(
        plan=plan,
        vehicle=shift.vehicle,
        shift=shift,
        driver=shift.driver,
        sequence=1,
        start_at=start,
        end_at=start + dt.timedelta(hours=hours),
    )
    for n in range(stops):
        at = start + dt.timedelta(minutes=20 * (n + 1))
        Stop.objects.create(
            plan=plan,
            route=route,
            # The order's window on the plan's day (the factory's default, an hour from now,
            # is tomorrow in Berlin after 22:00 UTC and would be booked on tomorrow's slots).
            order=CustomerOrderFactory(
                warehouse=depot, window_start=at, window_end=at + dt.timedelta(hours=2)
            ),
            sequence=n + 1,
            planned_arrival=at,
            planned_start=at,
            planned_departure=at + dt.timedelta(minutes=5),
        )
    return route


@pytest.fixture
def history(depot, week_of_shifts, today):
    """Three past days whose routes each served 12 stops in 8 hours (1.5 an hour)."""
    van, driver = week_of_shifts[0].vehicle, week_of_shifts[0].driver
    shifts = [week_of_shifts[0]] + [
        ShiftFactory(
            vehicle=van,
            driver=driver,
            date=today - dt.timedelta(days=n),
            start_time=dt.time(8),
            end_time=dt.time(16),
        )
        for n in (2, 3)
    ]
    return [past_route(depot=depot, shift=s, stops=12, hours=8) for s in shifts]


def test_without_plans_the_flat_rule_holds(depot, week_of_shifts, today, settings):
    settings.FORECAST_STOPS_PER_DRIVER_HOUR = 4
    tomorrow = today + dt.timedelta(days=1)
    rate = depot_stops_rate(depot=depot, before=tomorrow)
    assert (rate.per_driver_hour, rate.source) == (4, "flat")
    (day,) = depot_capacity_outlook(depot=depot, start=tomorrow, days=1, learned=True)
    assert day.capacity_stops == 32  # 8 shift hours x 4
    assert day.rate_source == "flat"


def test_the_rate_is_what_recent_routes_fitted_less_the_margin(depot, history, today, settings):
    settings.FORECAST_STOPS_PER_DRIVER_HOUR = 4
    tomorrow = today + dt.timedelta(days=1)
    rate = depot_stops_rate(depot=depot, before=tomorrow)
    assert rate.source == "plans"
    assert (rate.routes, rate.stops, rate.route_hours) == (3, 36, 24)
    assert rate.per_driver_hour == pytest.approx(1.5 * 0.9)
    (day,) = depot_capacity_outlook(depot=depot, start=tomorrow, days=1, learned=True)
    assert day.capacity_stops == pytest.approx(8 * 1.35, abs=0.05)
    # The dashboards keep the flat rule unless they ask for the learned one.
    (flat,) = depot_capacity_outlook(depot=depot, start=tomorrow, days=1)
    assert flat.capacity_stops == 32


def test_breaks_draft_plans_other_depots_and_old_days_do_not_count(depot, history, today, settings):
    tomorrow = today + dt.timedelta(days=1)
    history[0].breaks = [{"start": history[0].start_at.isoformat(), "duration_s": 2 * 3600}]
    history[0].save(update_fields=["breaks"])
    other = WarehouseFactory(code="OTH")
    far_shift = ShiftFactory(vehicle=VehicleFactory(depot=other), date=today - dt.timedelta(days=1))
    past_route(depot=other, shift=far_shift, stops=40, hours=2)
    draft_shift = ShiftFactory(
        vehicle=history[0].vehicle, date=today - dt.timedelta(days=4), driver=history[0].driver
    )
    past_route(depot=depot, shift=draft_shift, stops=40, hours=2, status=Plan.Status.DRAFT)
    rate = depot_stops_rate(depot=depot, before=tomorrow)
    assert (rate.routes, rate.stops, rate.route_hours) == (3, 36, 22)
    settings.ROUTING_CAPACITY_LEARN_DAYS = 1  # only yesterday's route is recent enough
    assert depot_stops_rate(depot=depot, before=tomorrow).source == "flat"


def test_a_depot_whose_routes_fit_fewer_stops_offers_fewer_slots(
    depot, history, receive, mug, today, settings
):
    settings.FORECAST_STOPS_PER_DRIVER_HOUR = 4
    settings.PROMISING_QUOTE_CACHE_S = 0  # compare two rules on the same data
    receive(mug, 10)
    tomorrow = today + dt.timedelta(days=1)
    for hour in (8, 10, 12):  # two orders in each of the first three slots
        for _ in range(2):
            CustomerOrderFactory(
                warehouse=depot,
                window_start=berlin_time(tomorrow, hour),
                window_end=berlin_time(tomorrow, hour + 2),
            )

    def slots():
        result = delivery_options(
            destination=DESTINATION,
            items=[{"sku": "MUG-1", "quantity": 1}],
            now=berlin_time(today, 9),
            days=1,
        )
        return [o.window_start.astimezone(depot.tzinfo).hour for o in result.options]

    # Learned: 8 h x 1.35 = 10.8 stops, 2.7 a slot: a slot with two orders has no room left.
    assert slots() == [14]
    # Without the history (too few routes to learn from) the flat 8 a slot offers them all.
    settings.ROUTING_CAPACITY_MIN_ROUTES = 4
    assert slots() == [8, 10, 12, 14]


def test_a_slot_fewer_vans_cover_holds_fewer_stops(depot, receive, mug, today, settings):
    # One van 08-16, one 12-20, 0.5 stops a driver hour: 8 stops a day, shared by the driver
    # time in each slot: 1 in 08-10, 10-12, 16-18, 18-20; 2 in 12-14 and 14-16.
    settings.FORECAST_STOPS_PER_DRIVER_HOUR = 0.5
    receive(mug, 10)
    tomorrow = today + dt.timedelta(days=1)
    for begin, end in ((8, 16), (12, 20)):
        ShiftFactory(
            vehicle=VehicleFactory(depot=depot),
            date=tomorrow,
            start_time=dt.time(begin),
            end_time=dt.time(end),
        )
    for hour in (8, 12):
        CustomerOrderFactory(
            warehouse=depot,
            window_start=berlin_time(tomorrow, hour),
            window_end=berlin_time(tomorrow, hour + 2),
        )
    result = delivery_options(
        destination=DESTINATION,
        items=[{"sku": "MUG-1", "quantity": 1}],
        now=berlin_time(today, 9),
        days=1,
    )
    hours = [o.window_start.astimezone(depot.tzinfo).hour for o in result.options]
    # 08-10 is full with one order; 12-14, which both vans cover, still has room for one.
    assert hours == [10, 12, 14, 16, 18]
