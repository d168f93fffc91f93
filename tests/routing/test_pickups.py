"""Returns picked up by us: from approval through the plan and the driver to the depot."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.exceptions import ValidationFailed
from orders.models import OrderEvent, OrderStatus, ReturnStatus
from orders.services import return_receive, return_request
from routing import services
from routing.models import JobStatus, RouteStatus, Stop
from tests.factories import CustomerOrderFactory, LocationFactory, OrderLineFactory
from tests.routing.conftest import at
from tracking.services import route_start, stop_deliver, stop_fail

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_return(depot, product):
    """An approved pickup return of `qty` 10 kg boxes from an order delivered yesterday."""

    def _make(qty: int = 2, *, window=None, lat="52.530000", lon="13.380000"):
        order = CustomerOrderFactory(
            warehouse=depot,
            status=OrderStatus.DELIVERED,
            delivered_at=timezone.now() - dt.timedelta(days=1),
            latitude=Decimal(lat),
            longitude=Decimal(lon),
        )
        line = OrderLineFactory(
            order=order,
            product=product,
            quantity=qty,
            quantity_reserved=qty,
            quantity_picked=qty,
            quantity_delivered=qty,
        )
        start, end = window or (None, None)
        ret = return_request(
            order=order,
            lines=[{"order_line": line, "quantity": qty, "reason": "defective"}],
            channel="dispatcher",
            pickup_window_start=start,
            pickup_window_end=end,
        )
        assert ret.status == ReturnStatus.APPROVED
        return ret

    return _make


def test_a_pickup_return_goes_from_approval_to_the_depot(
    depot, plan_date, make_order, make_shift, make_return, optimize
):
    ret = make_return(qty=2)
    deliveries = [make_order(n) for n in range(3)]
    shift = make_shift("VAN1")
    plan = services.plan_create(
        date=plan_date, depots=[depot], orders=deliveries, shifts=[shift], time_limit_s=1
    )
    assert list(plan.returns.all()) == [ret]  # approved pickups join the next plan by themselves

    job = optimize(plan)

    assert job.status == JobStatus.SUCCEEDED, job.error
    pickup = Stop.objects.get(plan=plan, ret=ret)
    assert pickup.is_pickup and pickup.order == ret.order and pickup.ref == ret.reference
    route = pickup.route
    assert route.stops.count() == 4 and plan.unassigned == []
    # 3 boxes go out, 2 come back: the van never carries more than 30 kg.
    assert route.load_weight_kg == Decimal("30.00")

    services.plan_publish(plan=plan)
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.APPROVED
    assert ret.events.filter(type=OrderEvent.Type.NOTE, message__startswith="Pickup planned")
    assert all(o.status == OrderStatus.PLANNED for o in plan.orders.all())

    route_start(route=route)
    for stop in route.stops.order_by("sequence"):
        stop_deliver(stop=stop, recipient_name="" if stop.is_pickup else "Ann")
        ret.refresh_from_db()
        if stop.is_pickup:
            assert ret.status in (ReturnStatus.IN_TRANSIT, ReturnStatus.AT_DEPOT)
    route.refresh_from_db()
    ret.refresh_from_db()
    ret.order.refresh_from_db()

    assert route.status == RouteStatus.COMPLETED
    assert ret.status == ReturnStatus.AT_DEPOT
    assert ret.order.status == OrderStatus.DELIVERED  # the pickup left the order alone
    assert ret.events.filter(message__startswith=f"Back at depot {depot.code}").exists()
    assert all(o.status == OrderStatus.DELIVERED for o in plan.orders.all())

    LocationFactory(warehouse=depot, code="RET-01", kind="returns")
    line = ret.lines.get()
    received = return_receive(ret=ret, conditions={line.pk: "good"})
    assert received.status == ReturnStatus.RECEIVED


def test_a_failed_pickup_leaves_the_return_approved_for_the_next_plan(
    depot, plan_date, make_order, make_shift, make_return, optimize
):
    ret = make_return()
    plan = services.plan_create(
        date=plan_date, depots=[depot], orders=[make_order(1)], shifts=[make_shift("VAN1")]
    )
    optimize(plan)
    services.plan_publish(plan=plan)
    pickup = Stop.objects.get(ret=ret)

    stop_fail(stop=pickup, reason="customer_absent")

    ret.refresh_from_db()
    ret.order.refresh_from_db()
    assert ret.status == ReturnStatus.APPROVED and ret.order.status == OrderStatus.DELIVERED
    later = services.plan_create(
        date=plan_date + dt.timedelta(days=1), depots=[depot], orders=[], shifts=[]
    )
    assert list(later.returns.all()) == [ret]


def _boxes_plan(depot, plan_date, make_order, make_shift, ret):
    """Nine 10 kg boxes to deliver between 10:00 and 12:00 in a 100 kg van."""
    orders = [make_order(n, window=(10, 12)) for n in range(9)]
    van = make_shift("VAN1", vehicle_capacity_weight_kg=Decimal(100))
    return services.plan_create(
        date=plan_date, depots=[depot], orders=orders, shifts=[van], returns=[ret], time_limit_s=1
    )


def test_a_van_full_of_deliveries_cannot_take_a_pickup_that_overflows_it_on_the_way(
    depot, plan_date, make_order, make_shift, make_return, optimize
):
    # Collected at 8-9, the 30 kg return would ride with all 90 kg of deliveries: 120 kg.
    ret = make_return(qty=3, window=(at(plan_date, 8), at(plan_date, 9)))
    plan = _boxes_plan(depot, plan_date, make_order, make_shift, ret)

    job = optimize(plan)

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert [u["order"] for u in plan.unassigned] == [ret.reference]
    assert not Stop.objects.filter(ret=ret).exists()
    route = plan.routes.get()
    assert route.stops.count() == 9 and route.load_weight_kg == Decimal("90.00")


def test_the_same_pickup_fits_once_the_deliveries_are_off_the_van(
    depot, plan_date, make_order, make_shift, make_return, optimize
):
    ret = make_return(qty=3, window=(at(plan_date, 12), at(plan_date, 16)))
    plan = _boxes_plan(depot, plan_date, make_order, make_shift, ret)

    job = optimize(plan)

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert plan.unassigned == []
    pickup = Stop.objects.get(ret=ret)
    assert pickup.sequence == 10  # after the last delivery
    assert pickup.route.load_weight_kg <= Decimal(100)


def test_plan_creation_refuses_a_return_that_is_not_an_approved_pickup(
    depot, plan_date, make_return
):
    ret = make_return()
    ret.status = ReturnStatus.REJECTED
    ret.rejection_reason = "Changed our mind"
    ret.save()
    with pytest.raises(ValidationFailed) as exc:
        services.plan_create(date=plan_date, depots=[depot], orders=[], shifts=[], returns=[ret])
    assert exc.value.errors[0]["field"] == "returns"
    assert ret.reference in exc.value.detail
