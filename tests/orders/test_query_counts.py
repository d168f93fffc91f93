"""The partner order and return reads answer in one query each, however many orders, lines,
parcels, attempts and timeline entries there are (no query per row, no prefetch round trips)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import DeliveryAttempt, OrderEvent, Parcel, Return, ReturnLine
from tests.factories import CustomerOrderFactory, OrderLineFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def _orders(partner, n):
    warehouse = WarehouseFactory()
    orders = []
    for i in range(n):
        order = CustomerOrderFactory(partner=partner, warehouse=warehouse)
        for _ in range(3):
            OrderLineFactory(order=order)
        Parcel.objects.create(
            order=order, label_code=f"P-{order.pk}-{i}", weight_kg=Decimal("1.5"),
            volume_m3=Decimal("0.01"),
        )  # fmt: skip
        DeliveryAttempt.objects.create(
            order=order,
            attempted_at=timezone.now(),
            outcome="failed",
            failure_reason="customer_absent",
        )
        for kind in (OrderEvent.Type.CREATED, OrderEvent.Type.CONFIRMED, OrderEvent.Type.PACKED):
            OrderEvent.objects.create(order=order, type=kind, message=kind.label, at=timezone.now())
        orders.append(order)
    return orders


def test_order_list_queries_do_not_grow_with_orders(partner_api, django_assert_max_num_queries):
    client = partner_api()
    _orders(client.partner, 8)
    client.get("/api/v1/me/")  # the key is cached after its first request
    # one: lines (with products) and parcels come as arrays in the orders' own query
    with django_assert_max_num_queries(1):
        response = client.get("/api/v1/orders/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 8
    assert all(len(o["lines"]) == 3 and len(o["parcels"]) == 1 for o in results)


def test_order_detail_reads_lines_parcels_attempts_and_timeline_in_fixed_queries(
    partner_api, django_assert_max_num_queries
):
    client = partner_api()
    order = _orders(client.partner, 2)[0]
    client.get("/api/v1/me/")
    # one: lines, parcels, attempts and the timeline come as arrays in the order's query
    with django_assert_max_num_queries(1):
        response = client.get(f"/api/v1/orders/{order.reference}/")
    assert response.status_code == 200
    body = response.json()
    assert len(body["lines"]) == 3
    assert len(body["events"]) == 3
    assert len(body["attempts"]) == 1


def test_return_list_and_detail_read_in_one_query_each(partner_api, django_assert_max_num_queries):
    client = partner_api()
    orders = _orders(client.partner, 4)
    for order in orders:
        ret = Return.objects.create(
            reference=f"RMA-{order.pk}", order=order, partner=client.partner,
            warehouse=order.warehouse, channel="partner",
        )  # fmt: skip
        for line in order.lines.all():
            ReturnLine.objects.create(ret=ret, order_line=line, quantity=1, reason="damaged")
        OrderEvent.objects.create(
            order=order, ret=ret, type=OrderEvent.Type.CREATED, message="m", at=timezone.now()
        )
    client.get("/api/v1/me/")
    with django_assert_max_num_queries(1):
        listed = client.get("/api/v1/returns/")
    assert listed.status_code == 200 and len(listed.json()["results"]) == 4
    # one: lines (with products) and the timeline come as arrays in the return's query
    with django_assert_max_num_queries(1):
        detail = client.get(f"/api/v1/returns/RMA-{orders[0].pk}/")
    assert detail.status_code == 200
    assert len(detail.json()["lines"]) == 3 and len(detail.json()["events"]) == 1
