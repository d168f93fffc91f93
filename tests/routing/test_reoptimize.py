"""Re-optimising mid-day: a route the driver has completed takes no more stops."""

from decimal import Decimal

import pytest

from core.exceptions import Conflict
from routing import services
from routing.models import JobStatus, OptimizationJob, RouteStatus, Stop, StopStatus

pytestmark = pytest.mark.django_db


def _complete(route) -> None:
    for stop in route.stops.order_by("sequence"):
        services.stop_status_set(stop=stop, status=StopStatus.ARRIVED)
        services.stop_status_set(stop=stop, status=StopStatus.DELIVERED)
    route.refresh_from_db()
    assert route.status == RouteStatus.COMPLETED


def test_reoptimising_never_puts_planned_stops_on_a_completed_route(
    depot, plan_date, make_order, make_shift, optimize
):
    # The spare van costs a lot to take out, so before the fix the optimiser preferred to
    # send the van that had already come home out again, on a route marked completed.
    done_van = make_shift("VAN1")
    spare = make_shift("VAN2", vehicle_fixed_cost=Decimal("5000"))
    plan = services.plan_create(
        date=plan_date,
        depots=[depot],
        orders=[make_order(n) for n in range(3)],
        shifts=[done_van],
        time_limit_s=1,
    )
    assert optimize(plan).status == JobStatus.SUCCEEDED
    route = plan.routes.get()
    _complete(route)
    plan.shifts.add(spare)
    extra = [make_order(10 + n) for n in range(6)]
    plan.orders.add(*extra)

    job = optimize(plan, kind=OptimizationJob.Kind.REOPTIMIZE)

    assert job.status == JobStatus.SUCCEEDED, job.error
    route.refresh_from_db()
    assert route.status == RouteStatus.COMPLETED
    assert list(route.stops.values_list("status", flat=True)) == [StopStatus.DELIVERED] * 3
    assert not Stop.objects.filter(
        route__status=RouteStatus.COMPLETED, status=StopStatus.PLANNED
    ).exists()
    new_stops = Stop.objects.filter(plan=plan, order__in=extra)
    assert new_stops.count() == 6
    assert {s.route.vehicle.code for s in new_stops} == {"VAN2"}


def test_with_only_completed_routes_new_orders_are_left_out_with_a_reason(
    optimised_plan, make_order, optimize
):
    plan = optimised_plan(orders=2, vehicles=1)
    _complete(plan.routes.get())
    extra = make_order(20)
    plan.orders.add(extra)

    job = optimize(plan, kind=OptimizationJob.Kind.REOPTIMIZE)

    assert job.status == JobStatus.SUCCEEDED, job.error
    plan.refresh_from_db()
    assert [u["order"] for u in plan.unassigned] == [extra.reference]
    assert not Stop.objects.filter(plan=plan, status=StopStatus.PLANNED).exists()


def test_a_stop_cannot_be_moved_onto_a_completed_route(one_route_done_plan):
    _plan, done, other = one_route_done_plan()
    stop = other.stops.order_by("sequence").first()
    with pytest.raises(Conflict) as exc:
        services.stop_move(stop=stop, route=done, position=3)
    assert exc.value.code == "route_completed"
    stop.refresh_from_db()
    assert stop.route_id == other.pk


@pytest.fixture
def one_route_done_plan(depot, plan_date, make_order, make_shift, optimize):
    def _make():
        orders = [make_order(n, qty=30) for n in range(4)]  # 300 kg each
        shifts = [
            make_shift("VAN1", vehicle_capacity_weight_kg=Decimal(700)),
            make_shift("VAN2", vehicle_capacity_weight_kg=Decimal(700)),
        ]
        plan = services.plan_create(
            date=plan_date, depots=[depot], orders=orders, shifts=shifts, time_limit_s=1
        )
        optimize(plan)
        done, other = plan.routes.order_by("sequence")
        _complete(done)
        return plan, done, other

    return _make
