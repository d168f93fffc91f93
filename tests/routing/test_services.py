"""Plans, jobs, results, publish, moves and re-optimisation through routing.services."""

import datetime as dt
from decimal import Decimal

import pytest

from core.exceptions import Conflict, InvalidTransition, ValidationFailed
from core.models import OutboxEvent
from orders.models import OrderEvent, OrderStatus
from routing import services
from routing.models import JobStatus, OptimizationJob, Plan, PlanStatus, Route, Stop, StopStatus
from routing.tasks import optimization_job_run
from tests.routing.conftest import at

pytestmark = pytest.mark.django_db


def _stops(plan):
    return list(Stop.objects.filter(plan=plan).select_related("order", "route__vehicle"))


def test_optimising_a_plan_puts_every_order_on_a_route_inside_its_window(optimised_plan):
    plan = optimised_plan(orders=8, vehicles=2)
    job = plan.jobs.get()
    assert plan.status == PlanStatus.READY
    assert job.status == JobStatus.SUCCEEDED and job.progress_pct == 100
    assert job.engine and job.best_cost > 0 and job.stats["runs"] == 1
    stops = _stops(plan)
    assert len(stops) == 8 and plan.unassigned == []
    for stop in stops:
        assert stop.order.window_start <= stop.planned_start <= stop.order.window_end
        assert stop.planned_arrival <= stop.planned_start < stop.planned_departure
    for route in plan.routes.all():
        seq = list(route.stops.order_by("sequence").values_list("sequence", flat=True))
        assert seq == list(range(1, len(seq) + 1))
        assert route.load_units == len(seq)  # one box per order
        assert route.load_weight_kg == Decimal(10 * len(seq))
        assert route.distance_m > 0 and route.duration_s > 0
        assert route.start_at <= min(s.planned_arrival for s in route.stops.all())


def test_a_redelivered_task_of_a_finished_job_changes_nothing(optimised_plan):
    plan = optimised_plan(orders=5, vehicles=2)
    job = plan.jobs.get()
    before = sorted(Stop.objects.filter(plan=plan).values_list("pk", "route_id", "sequence"))
    assert optimization_job_run(job.pk) == "skipped"
    after = sorted(Stop.objects.filter(plan=plan).values_list("pk", "route_id", "sequence"))
    assert before == after


def test_rerunning_a_job_whose_worker_died_replaces_its_result(optimised_plan):
    plan = optimised_plan(orders=6, vehicles=2)
    job = plan.jobs.get()
    # The worker died after storing but before acknowledging: the job still says running.
    OptimizationJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.OPTIMIZING)
    optimization_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.stats["runs"] == 2
    assert Stop.objects.filter(plan=plan).count() == 6  # replaced, not duplicated
    assert sorted(Stop.objects.filter(plan=plan).values_list("order_id", flat=True)) == sorted(
        plan.orders.values_list("pk", flat=True)
    )


def test_orders_that_cannot_be_served_come_back_unassigned_with_reasons(
    optimize, make_plan, make_order, plan_date, depot
):
    plan = make_plan(orders=3, vehicles=1)
    lost = make_order(10, latitude=None, longitude=None)
    frozen = make_order(11, required_skills=["frozen"])
    heavy = make_order(12, qty=100)  # 1000 kg against 800 kg vans
    plan.orders.add(lost, frozen, heavy)
    job = optimize(plan)
    job.refresh_from_db()
    plan.refresh_from_db()
    reasons = {u["order"]: u["reason"] for u in plan.unassigned}
    assert job.status == JobStatus.SUCCEEDED and job.unassigned == plan.unassigned
    assert reasons[lost.reference] == "no coordinates"
    assert reasons[frozen.reference] == "no vehicle has skill frozen"
    assert "demand exceeds every vehicle's capacity" in reasons[heavy.reference]
    assert Stop.objects.filter(plan=plan).count() == 3


def test_a_window_no_shift_can_reach_is_reported(optimize, make_plan, make_order):
    plan = make_plan(orders=2, vehicles=1)
    late = make_order(5, window=(21, 23))  # shifts end at 19:00
    plan.orders.add(late)
    optimize(plan)
    plan.refresh_from_db()
    assert [u["order"] for u in plan.unassigned] == [late.reference]
    assert "time window unreachable" in plan.unassigned[0]["reason"]


def test_a_plan_without_vehicles_is_refused(make_plan):
    plan = make_plan(orders=2, vehicles=0)
    with pytest.raises(ValidationFailed) as exc:
        services.plan_optimize(plan=plan)
    assert exc.value.errors[0]["field"] == "shifts"
    assert not plan.jobs.exists()


@pytest.mark.parametrize("limit", [0, -5])
def test_a_time_limit_that_is_not_positive_is_refused(make_plan, limit):
    plan = make_plan(orders=1, vehicles=1)
    with pytest.raises(ValidationFailed) as exc:
        services.plan_optimize(plan=plan, time_limit_s=limit)
    assert exc.value.errors[0]["field"] == "time_limit_s"


def test_only_one_job_per_plan_at_a_time(make_plan, django_capture_on_commit_callbacks):
    plan = make_plan(orders=2, vehicles=1)
    with django_capture_on_commit_callbacks(execute=False):
        job = services.plan_optimize(plan=plan)
    plan.refresh_from_db()
    assert job.status == JobStatus.QUEUED and plan.status == PlanStatus.OPTIMIZING
    with pytest.raises(Conflict):
        services.plan_optimize(plan=plan)


def test_cancelling_a_queued_job_means_it_never_runs(make_plan, django_capture_on_commit_callbacks):
    plan = make_plan(orders=2, vehicles=1)
    with django_capture_on_commit_callbacks(execute=False):
        job = services.plan_optimize(plan=plan)
    services.job_cancel(job=job)
    job.refresh_from_db()
    plan.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and plan.status == PlanStatus.DRAFT
    assert optimization_job_run(job.pk) == "skipped"
    assert not plan.routes.exists()


def test_a_finished_job_cannot_be_cancelled(optimised_plan):
    job = optimised_plan(orders=2, vehicles=1).jobs.get()
    with pytest.raises(InvalidTransition) as exc:
        services.job_cancel(job=job)
    assert exc.value.extra["current_state"] == "succeeded"


def test_a_job_whose_problem_became_unsolvable_fails_with_a_readable_reason(
    make_plan, django_capture_on_commit_callbacks
):
    plan = make_plan(orders=2, vehicles=1)
    with django_capture_on_commit_callbacks(execute=False):
        job = services.plan_optimize(plan=plan)
    plan.shifts.clear()  # the only van was taken off the plan while the job waited
    assert optimization_job_run(job.pk) == "done"
    job.refresh_from_db()
    plan.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == (
        "The plan cannot be optimised: vehicles: vehicles: at least one vehicle is required"
    )
    assert plan.status == PlanStatus.DRAFT


def test_publishing_moves_orders_to_planned_and_records_it_on_their_timeline(optimised_plan):
    plan = optimised_plan(orders=4, vehicles=2)
    services.plan_publish(plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED and plan.published_at
    for stop in _stops(plan):
        assert stop.order.status == OrderStatus.PLANNED
        assert OrderEvent.objects.filter(order=stop.order, type="planned").count() == 1
    with pytest.raises(InvalidTransition):
        services.plan_publish(plan=plan)


def test_publishing_is_refused_while_an_order_is_not_packed(optimised_plan):
    plan = optimised_plan(orders=3, vehicles=1)
    order = plan.orders.first()
    order.status = OrderStatus.PICKED
    order.save()
    with pytest.raises(Conflict) as exc:
        services.plan_publish(plan=plan)
    assert order.reference in exc.value.detail
    plan.refresh_from_db()
    assert plan.status == PlanStatus.READY
    assert not plan.orders.filter(status=OrderStatus.PLANNED).exists()


def test_drivers_see_only_published_routes(optimised_plan):
    from routing.selectors import driver_routes

    plan = optimised_plan(orders=3, vehicles=1)
    route = plan.routes.get()
    user = route.driver.user
    assert list(driver_routes(user=user)) == []
    services.plan_publish(plan=plan)
    assert list(driver_routes(user=user, date=plan.date)) == [route]


# --- moving stops -------------------------------------------------------------------------------


@pytest.fixture
def one_van_per_order_plan(depot, plan_date, make_order, make_shift, optimize):
    """Orders of 300 kg each and two vans too small to take them all: always two routes."""

    def _make(orders: int = 4, capacities=(700, 600)):
        orders = [make_order(n, qty=30) for n in range(orders)]  # 300 kg each
        big = make_shift("VAN1", vehicle_capacity_weight_kg=Decimal(capacities[0]))
        small = make_shift("VAN2", vehicle_capacity_weight_kg=Decimal(capacities[1]))
        plan = services.plan_create(
            date=plan_date, depots=[depot], orders=orders, shifts=[big, small], time_limit_s=1
        )
        optimize(plan)
        plan.refresh_from_db()
        assert plan.routes.count() == 2 and plan.unassigned == []
        return plan

    return _make


def test_moving_a_stop_to_another_route_retimes_both_routes(one_van_per_order_plan):
    plan = one_van_per_order_plan(orders=3, capacities=(700, 700))
    source, target = sorted(plan.routes.all(), key=lambda r: -r.stops.count())
    stop = source.stops.order_by("sequence").first()
    before = {r.pk: (r.distance_m, r.load_units) for r in (source, target)}
    services.stop_move(stop=stop, route=target, position=1)
    stop.refresh_from_db()
    source.refresh_from_db()
    target.refresh_from_db()
    assert stop.route == target and stop.sequence == 1
    assert list(target.stops.order_by("sequence").values_list("sequence", flat=True)) == [1, 2]
    assert list(source.stops.values_list("sequence", flat=True)) == [1]
    assert source.distance_m != before[source.pk][0]
    assert (source.load_units, target.load_units) == (30, 60)
    assert target.load_weight_kg == Decimal("600.00")
    second = target.stops.get(sequence=2)
    assert stop.planned_departure <= second.planned_arrival


def test_a_move_that_overloads_the_vehicle_is_refused_and_nothing_changes(one_van_per_order_plan):
    plan = one_van_per_order_plan()
    small = plan.routes.get(vehicle__code="VAN2")
    big = plan.routes.get(vehicle__code="VAN1")
    stop = big.stops.first()
    before = sorted(Stop.objects.filter(plan=plan).values_list("pk", "route_id", "sequence"))
    check = services.stop_move_check(stop=stop, route=small, position=1)
    assert not check.feasible
    assert any("900 kg exceeds the capacity of 600 kg" in r for r in check.reasons)
    with pytest.raises(ValidationFailed) as exc:
        services.stop_move(stop=stop, route=small, position=1)
    assert exc.value.errors[0]["code"] == "infeasible"
    after = sorted(Stop.objects.filter(plan=plan).values_list("pk", "route_id", "sequence"))
    assert before == after


def test_a_move_that_breaks_a_time_window_names_the_order(
    optimize, make_plan, make_order, plan_date, depot
):
    early = make_order(1, window=(8, 9))
    late = make_order(2, window=(17, 18))

    plan = make_plan(orders=0, vehicles=1)
    plan.orders.add(early, late)
    optimize(plan)
    route = plan.routes.get()
    assert [s.order for s in route.stops.order_by("sequence")] == [early, late]
    late_stop = route.stops.get(order=late)
    check = services.stop_move_check(stop=late_stop, route=route, position=1)
    assert not check.feasible
    assert any(
        early.reference in r and "outside its window 08:00 to 09:00" in r for r in check.reasons
    )


def test_reordering_within_a_route_is_checked_and_saved(optimize, make_plan, make_order):
    a = make_order(1, window=(8, 18))
    b = make_order(2, window=(8, 18))
    plan = make_plan(orders=0, vehicles=1)
    plan.orders.add(a, b)
    optimize(plan)
    route = plan.routes.get()
    first, second = route.stops.order_by("sequence")
    services.stop_move(stop=second, route=route, position=1)
    assert list(route.stops.order_by("sequence").values_list("order_id", flat=True)) == [
        second.order_id,
        first.order_id,
    ]


def test_started_stops_and_locked_routes_do_not_move(one_van_per_order_plan):
    plan = one_van_per_order_plan()
    big = plan.routes.get(vehicle__code="VAN1")
    small = plan.routes.get(vehicle__code="VAN2")
    done = big.stops.order_by("sequence").first()
    services.stop_status_set(stop=done, status=StopStatus.DELIVERED)
    with pytest.raises(Conflict) as exc:
        services.stop_move(stop=done, route=small, position=1)
    assert exc.value.code == "stop_started"
    services.route_lock(route=small)
    other = big.stops.order_by("sequence").last()
    with pytest.raises(Conflict) as exc:
        services.stop_move(stop=other, route=small, position=1)
    assert exc.value.code == "route_locked"
    with pytest.raises(ValidationFailed) as exc:  # nothing goes before a delivered stop
        services.stop_move(stop=other, route=big, position=1)
    assert exc.value.errors[0]["field"] == "position"


def test_a_break_is_placed_when_a_move_is_checked(
    optimize, make_plan, make_order, make_shift, plan_date, depot
):
    orders = [make_order(n) for n in range(3)]
    shift = make_shift(
        "VAN1",
        break_earliest=dt.time(12, 0),
        break_latest=dt.time(13, 0),
        break_duration_s=1800,
    )
    plan = services.plan_create(
        date=plan_date, depots=[depot], orders=orders, shifts=[shift], time_limit_s=1
    )
    optimize(plan)
    route = plan.routes.get()
    assert len(route.breaks) == 1 and route.breaks[0]["duration_s"] == 1800
    last = route.stops.order_by("sequence").last()
    services.stop_move(stop=last, route=route, position=1)
    route.refresh_from_db()
    assert len(route.breaks) == 1


# --- re-optimisation ----------------------------------------------------------------------------


def test_reoptimising_keeps_locked_routes_and_reached_stops(
    optimize, one_van_per_order_plan, make_order
):
    plan = one_van_per_order_plan()
    big = plan.routes.get(vehicle__code="VAN1")
    small = plan.routes.get(vehicle__code="VAN2")
    locked_before = list(small.stops.order_by("sequence").values_list("order_id", flat=True))
    services.route_lock(route=small)
    reached = big.stops.order_by("sequence").first()
    services.stop_status_set(stop=reached, status=StopStatus.ARRIVED)
    services.stop_status_set(stop=reached, status=StopStatus.DELIVERED)
    extra = make_order(20, qty=1)
    plan.orders.add(extra)
    job = optimize(plan, kind=OptimizationJob.Kind.REOPTIMIZE)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    small.refresh_from_db()
    assert (
        list(small.stops.order_by("sequence").values_list("order_id", flat=True)) == locked_before
    )
    reached.refresh_from_db()
    assert reached.route_id == big.pk and reached.sequence == 1
    assert reached.status == StopStatus.DELIVERED and reached.departed_at
    assert Stop.objects.filter(plan=plan, order=extra).exists()


def test_reoptimising_a_published_plan_plans_the_new_orders(optimize, optimised_plan, make_order):
    plan = optimised_plan(orders=3, vehicles=1)
    services.plan_publish(plan=plan)
    extra = make_order(30)
    plan.orders.add(extra)
    optimize(plan, kind=OptimizationJob.Kind.REOPTIMIZE)
    plan.refresh_from_db()
    extra.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED
    assert extra.status == OrderStatus.PLANNED


def test_reoptimising_needs_routes(make_plan):
    plan = make_plan(orders=2, vehicles=1)
    with pytest.raises(Conflict):
        services.plan_optimize(plan=plan, kind=OptimizationJob.Kind.REOPTIMIZE)


# --- plan creation ------------------------------------------------------------------------------


def test_plan_creation_refuses_orders_it_cannot_plan(make_order, make_shift, plan_date, depot):
    new = make_order(1, status=OrderStatus.NEW)
    ok = make_order(2)
    with pytest.raises(ValidationFailed) as exc:
        services.plan_create(date=plan_date, depots=[depot], orders=[new, ok], shifts=[])
    assert exc.value.errors[0]["field"] == "orders" and new.reference in exc.value.detail
    wrong_day = make_shift("VAN9", date=plan_date + dt.timedelta(days=1))
    with pytest.raises(ValidationFailed) as exc:
        services.plan_create(date=plan_date, depots=[depot], orders=[ok], shifts=[wrong_day])
    assert exc.value.errors[0]["field"] == "shifts"


def test_an_order_on_a_route_cannot_join_another_plan_that_day(optimised_plan, depot, plan_date):
    plan = optimised_plan(orders=2, vehicles=1)
    order = plan.orders.first()
    with pytest.raises(ValidationFailed) as exc:
        services.plan_create(date=plan_date, depots=[depot], orders=[order], shifts=[])
    assert exc.value.code == "already_planned"


def test_plan_times_use_the_depot_time_zone(optimised_plan):
    plan = optimised_plan(orders=1, vehicles=1)
    route = plan.routes.get()
    # Shifts start at 07:00 Berlin time: nothing leaves earlier.
    assert route.start_at >= at(plan.date, 7)
    assert route.end_at <= at(plan.date, 19)


def test_stop_status_changes_follow_their_table(optimised_plan):
    plan = optimised_plan(orders=2, vehicles=1)
    route = plan.routes.get()
    first, second = route.stops.order_by("sequence")
    services.stop_status_set(stop=first, status=StopStatus.ARRIVED)
    route.refresh_from_db()
    assert route.status == Route.Status.IN_PROGRESS
    services.stop_status_set(stop=first, status=StopStatus.DELIVERED)
    with pytest.raises(InvalidTransition):
        services.stop_status_set(stop=first, status=StopStatus.FAILED)
    services.stop_status_set(stop=second, status=StopStatus.SKIPPED)
    route.refresh_from_db()
    assert route.status == Route.Status.COMPLETED


# --- events for the apps above (tracking subscribes to them) ---------------------------------


def _events(type):
    return [e.payload for e in OutboxEvent.objects.filter(type=type).order_by("id")]


def test_a_stop_status_change_publishes_the_stop_and_its_new_status(optimised_plan):
    plan = optimised_plan(orders=1, vehicles=1)
    stop = Stop.objects.select_related("order").get(plan=plan)
    services.stop_status_set(stop=stop, status=StopStatus.ARRIVED)
    services.stop_status_set(stop=stop, status=StopStatus.ARRIVED)  # unchanged: no event
    (event,) = _events("stop.status_changed")
    assert (event["plan"], event["order"], event["status"]) == (
        plan.reference,
        stop.order.reference,
        "arrived",
    )


def test_optimising_and_moving_stops_publish_the_orders_whose_stops_changed(
    one_van_per_order_plan,
):
    plan = one_van_per_order_plan(orders=3, capacities=(700, 700))
    refs = sorted(Stop.objects.filter(plan=plan).values_list("order__reference", flat=True))
    assert _events("plan.routes_changed") == [{"plan": plan.reference, "orders": refs}]
    source, target = sorted(plan.routes.all(), key=lambda r: -r.stops.count())
    stop = source.stops.order_by("sequence").first()
    services.stop_move(stop=stop, route=target, position=1)
    moved = _events("plan.routes_changed")[-1]
    assert moved["plan"] == plan.reference
    assert moved["orders"] == refs  # both routes re-timed: every stop on them
