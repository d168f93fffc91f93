"""The planner reads shifts as it did, leaves out shifts whose driver is off, and plans every
break of a shift."""

from __future__ import annotations

import datetime as dt

import pytest

from routing import services
from routing.fleet import services as fleet
from routing.fleet.services import BreakSpec

pytestmark = pytest.mark.django_db


def test_problem_leaves_out_a_shift_whose_driver_took_the_day_off(make_plan, plan_date):
    plan = make_plan(orders=4, vehicles=2)
    assert sorted(v.id for v in services.problem_build(plan=plan).problem.vehicles) == [
        "VAN1",
        "VAN2",
    ]
    van2 = plan.shifts.get(vehicle__code="VAN2")
    fleet.driver_time_off_add(
        driver=van2.driver, start_date=plan_date, end_date=plan_date, reason="sick"
    )
    ctx = services.problem_build(plan=plan)
    assert [v.id for v in ctx.problem.vehicles] == ["VAN1"]
    assert set(ctx.shifts) == {"VAN1"}


def test_problem_plans_every_break_of_a_shift(make_plan, plan_date):
    plan = make_plan(orders=2, vehicles=1)
    shift = plan.shifts.get()
    fleet.shift_update(
        shift=shift,
        breaks=[
            BreakSpec(dt.time(10), dt.time(11), 900),
            BreakSpec(dt.time(13), dt.time(14), 1800),
        ],
    )
    ctx = services.problem_build(plan=plan)
    (vehicle,) = ctx.problem.vehicles
    midnight = ctx.origin
    assert [(b.earliest_s, b.latest_s, b.duration_s) for b in vehicle.breaks] == [
        (10 * 3600, 11 * 3600, 900),
        (13 * 3600, 14 * 3600, 1800),
    ]
    assert midnight.date() == plan_date


def test_plan_creation_neither_offers_nor_takes_a_shift_whose_driver_is_off(
    make_shift, make_order, depot, plan_date
):
    from core.exceptions import ValidationFailed
    from routing.selectors import available_shifts

    working, off = make_shift("VAN1"), make_shift("VAN2")
    fleet.driver_time_off_add(driver=off.driver, start_date=plan_date, end_date=plan_date)
    assert list(available_shifts(date=plan_date, depots=[depot])) == [working]
    with pytest.raises(ValidationFailed) as refused:
        services.plan_create(
            date=plan_date, depots=[depot], orders=[make_order(1)], shifts=[working, off]
        )
    assert "not off" in refused.value.detail and "VAN2" in refused.value.detail


def test_a_shift_a_plan_has_routed_can_neither_change_nor_go(optimised_plan, staff_api):
    from core.roles import Role

    plan = optimised_plan(orders=3, vehicles=1)
    shift = plan.shifts.get()
    api = staff_api(Role.DISPATCHER)
    changed = api.patch(f"/api/v1/shifts/{shift.pk}/", {"end_time": "18:00"}, format="json")
    assert changed.status_code == 409 and plan.reference in changed.json()["detail"]
    assert api.delete(f"/api/v1/shifts/{shift.pk}/").status_code == 409
    shift.refresh_from_db()
    assert shift.end_time == dt.time(19)
