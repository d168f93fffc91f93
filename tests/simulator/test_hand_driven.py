"""`make run` keeps the demo driver's route out of the simulator: a person drives it by hand."""

import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from routing.models import RouteStatus, StopStatus
from simulator import days
from simulator.world import world_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def today_plans(settings):
    """Two depots with one van each, both planned and published for today."""
    settings.TRACKING_ETA_DEBOUNCE_S = 0
    day = timezone.localdate()
    plans = []
    for code, centre in (("SIA", (52.52, 13.405)), ("SIB", (52.50, 13.30))):
        depot, template = world_create(depot_code=code, vehicles=1, centre=centre, break_s=0)
        shifts = days.shifts_copy(date=day, template=template)
        orders = days.orders_create(warehouse=depot, date=day, count=3, rng=random.Random(2))
        plan = days.plan_day(
            date=day, depot=depot, orders=orders, shifts=shifts, solve=days.deterministic_solve
        )
        assert plan is not None and plan.routes.count() == 1
        plans.append(plan)
    return plans


def _routes(plans):
    return [plan.routes.select_related("driver__user").get() for plan in plans]


def test_sim_routes_leave_out_the_hand_driven_drivers(today_plans):
    mine, theirs = _routes(today_plans)
    played = days.sim_routes(plans=today_plans, hand_driven=(mine.driver.user.username,))
    assert [r.key for r in played] == [theirs.pk]
    assert len(days.sim_routes(plans=today_plans)) == 2


def test_the_simulated_day_delivers_every_route_but_the_hand_driven_one(today_plans):
    mine, theirs = _routes(today_plans)
    call_command("simulate_day", "--in-process", "--hand-driven", mine.driver.user.username)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert theirs.status == RouteStatus.COMPLETED
    assert mine.status == RouteStatus.PLANNED
    assert set(mine.stops.values_list("status", flat=True)) == {StopStatus.PLANNED}
