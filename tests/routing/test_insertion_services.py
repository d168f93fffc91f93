"""Same-day insertion into live routes (routing.services.insertion), on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.exceptions import Conflict, ValidationFailed
from orders.models import OrderEvent, OrderStatus
from routing.models import Plan, Route, Stop, StopStatus
from routing.services.insertion import insertion_check, marginal_cost, order_insert
from tests.dispatch.scenario import build_day
from tests.factories import CustomerOrderFactory, OrderLineFactory


@pytest.fixture(autouse=True)
def _pinned_clock():
    from tracking import clock

    clock._local["read_at"] = -1e9
    yield
    clock.clock_reset()


def new_order(day, *, ref="ORD-2026-800001", near=(0, 3.0), window=(8, 18), qty=1, **kw):
    lat, lon = day.point(*near)
    order = CustomerOrderFactory(
        reference=ref,
        warehouse=day.depot,
        status=kw.pop("status", OrderStatus.PACKED),
        latitude=Decimal(str(lat)),
        longitude=Decimal(str(lon)),
        window_start=day.at(window[0]),
        window_end=day.at(window[1]),
        service_time_s=300,
        **kw,
    )
    OrderLineFactory(order=order, product=day.product, quantity=qty)
    return order


def sequence(route: Route) -> list[str]:
    return list(route.stops.order_by("sequence").values_list("order__reference", flat=True))


@pytest.mark.django_db
def test_an_order_goes_into_a_planned_live_route_at_its_cheapest_position(dispatcher):
    day = build_day(routes=2, stops=5, started=0, now_hour=7.0)
    route = day.routes[0]
    before = sequence(route)
    distance, units = route.distance_m, route.load_units
    order = new_order(day, near=(0, 4.5))  # between the 2nd (3.45 km) and 3rd stop (4.7 km)
    preview = insertion_check(route=route, order=order, now=day.now)
    assert preview.feasible and not preview.needs_override
    assert preview.added_distance_m > 0 and preview.added_cost >= 0
    stop = order_insert(route=route, order=order, user=dispatcher, now=day.now)
    after = sequence(route)
    assert after == before[: stop.sequence - 1] + [order.reference] + before[stop.sequence - 1 :]
    assert stop.sequence == preview.position
    order.refresh_from_db()
    assert order.status == OrderStatus.PLANNED
    assert order in day.plan.orders.all()
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.PLANNED).exists()
    seqs = list(route.stops.order_by("sequence").values_list("sequence", "planned_arrival"))
    assert [s for s, _ in seqs] == list(range(1, len(after) + 1))
    arrivals = [a for _, a in seqs]
    assert arrivals == sorted(arrivals)
    route.refresh_from_db()
    assert route.distance_m == distance + preview.added_distance_m
    assert route.load_units == units + 1


@pytest.mark.django_db
def test_done_stops_are_never_moved_and_out_for_delivery_needs_an_override(dispatcher):
    day = build_day(routes=1, stops=6, delivered=2, now_hour=10.0)
    route = day.routes[0]
    done = [(s.pk, s.sequence, s.planned_arrival) for s in day.stops[0][:2]]
    # Due within the hour: it must go before the stops still to come, all out for delivery.
    order = new_order(day, near=(0, 5.3), window=(10, 11))
    preview = insertion_check(route=route, order=order, now=day.now)
    assert preview.feasible and preview.position >= 3
    assert preview.needs_override
    with pytest.raises(Conflict) as refused:
        order_insert(route=route, order=order, user=dispatcher, now=day.now)
    assert refused.value.code == "out_for_delivery"
    assert Stop.objects.filter(order=order).count() == 0
    with pytest.raises(ValidationFailed) as no_reason:
        order_insert(route=route, order=order, override=True, user=dispatcher, now=day.now)
    assert no_reason.value.errors[0]["field"] == "reason"
    stop = order_insert(
        route=route,
        order=order,
        override=True,
        reason="Customer is the driver's neighbour",
        user=dispatcher,
        now=day.now,
    )
    assert stop.sequence >= 3
    for pk, seq, arrival in done:
        s = Stop.objects.get(pk=pk)
        assert (s.sequence, s.planned_arrival, s.status) == (seq, arrival, StopStatus.DELIVERED)
    notes = OrderEvent.objects.filter(
        type=OrderEvent.Type.NOTE, data__action="out_for_delivery_override"
    )
    overtaken = {s.order.reference for s in preview.overtaken}
    assert {e.order.reference for e in notes} == overtaken | {order.reference}
    note = notes.exclude(order=order).first()
    assert note.user == dispatcher
    assert dispatcher.get_username() in note.message
    assert "neighbour" in note.message and note.data["inserted"] == order.reference


@pytest.mark.django_db
def test_infeasible_insertions_say_why_and_write_nothing(dispatcher):
    day = build_day(routes=2, stops=3, started=0, now_hour=7.0, small_vehicle=True)
    van, bike = day.routes
    frozen = new_order(day, ref="ORD-2026-800002", required_skills=["frozen"])
    heavy = new_order(day, ref="ORD-2026-800003", near=(1, 3.0), qty=5)  # 50 kg on a 50 kg bike
    early = new_order(day, ref="ORD-2026-800004", window=(6, 7), near=(0, 30.0))
    cases = [
        (van, frozen, "skill_missing"),
        (bike, heavy, "no_capacity"),
        (van, early, "window_unreachable"),
    ]
    for route, order, reason in cases:
        preview = insertion_check(route=route, order=order, now=day.now)
        assert not preview.feasible and preview.reason == reason, (order, preview.message)
        with pytest.raises(ValidationFailed) as refused:
            order_insert(route=route, order=order, user=dispatcher, now=day.now)
        assert refused.value.code == reason
        assert not Stop.objects.filter(order=order).exists()
        order.refresh_from_db()
        assert order.status == OrderStatus.PACKED


@pytest.mark.django_db
def test_routes_that_are_not_live_and_orders_already_routed_are_refused():
    day = build_day(routes=1, stops=3, started=0, now_hour=7.0)
    route = day.routes[0]
    order = new_order(day)
    Plan.objects.filter(pk=day.plan.pk).update(status=Plan.Status.READY)
    with pytest.raises(Conflict) as draft:
        insertion_check(route=route, order=order, now=day.now)
    assert draft.value.code == "route_not_live"
    Plan.objects.filter(pk=day.plan.pk).update(status=Plan.Status.PUBLISHED)
    Route.objects.filter(pk=route.pk).update(is_locked=True)
    with pytest.raises(Conflict) as locked:
        insertion_check(route=route, order=order, now=day.now)
    assert locked.value.code == "route_locked"
    Route.objects.filter(pk=route.pk).update(is_locked=False)
    routed = day.stops[0][0].order
    with pytest.raises(Conflict) as already:
        insertion_check(route=route, order=routed, now=day.now)
    assert already.value.code == "already_on_route"
    unpacked = new_order(day, ref="ORD-2026-800009", status=OrderStatus.CONFIRMED)
    with pytest.raises(Conflict) as not_packed:
        insertion_check(route=route, order=unpacked, now=day.now)
    assert not_packed.value.code == "not_packed"


@pytest.mark.django_db
def test_marginal_cost_is_the_cheapest_route_for_an_order_or_a_point():
    day = build_day(routes=3, stops=4, started=0, now_hour=7.0)
    order = new_order(day, near=(1, 3.0), status=OrderStatus.CONFIRMED)
    quote = marginal_cost(order, day.day, now=day.now)
    assert quote is not None and quote.route == day.routes[1]
    each = [
        insertion_check(
            route=r, order=new_order(day, ref=f"ORD-2026-80010{k}", near=(1, 3.0)), now=day.now
        )
        for k, r in enumerate(day.routes)
    ]
    assert quote.cost == min(p.added_cost for p in each if p.feasible)
    point = marginal_cost(day.point(2, 3.0), day.day, warehouse=day.depot, now=day.now)
    assert point is not None and point.route == day.routes[2]
    assert marginal_cost(order, day.day + dt.timedelta(days=1), now=day.now) is None


@pytest.mark.django_db
def test_the_preview_costs_a_bounded_number_of_queries(django_assert_max_num_queries):
    day = build_day(routes=1, stops=30, started=1, delivered=5, now_hour=10.0)
    order = new_order(day)
    with django_assert_max_num_queries(20):
        preview = insertion_check(route=day.routes[0], order=order, now=day.now, with_etas=False)
    assert preview.feasible and len(preview.stops) == 26
