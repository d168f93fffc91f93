"""The return pages show times in the warehouse's zone (they printed UTC) and the pickup
window the customer gave."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from orders.services import (
    order_confirm,
    order_deliver,
    order_out_for_delivery,
    order_pack,
    order_pick,
    order_plan,
    return_request,
)

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def test_return_page_shows_pickup_window_and_timeline_in_the_warehouse_zone(
    client, warehouse_user, stocked, make_order, tea
):
    order = make_order([(tea, 2)])
    for step in (order_confirm, order_pick, order_pack, order_plan, order_out_for_delivery):
        order = step(order=order)
    order = order_deliver(order=order)
    start = dt.datetime(2030, 3, 4, 15, 0, tzinfo=BERLIN)
    ret = return_request(
        order=order,
        lines=[{"order_line": order.lines.get(), "quantity": 1, "reason": "defective"}],
        channel="dispatcher",
        pickup_window_start=start,
        pickup_window_end=start + dt.timedelta(hours=3),
    )
    requested_at = dt.datetime(2026, 12, 7, 10, 17, tzinfo=dt.UTC)
    ret.events.update(at=requested_at)
    type(ret).objects.filter(pk=ret.pk).update(created_at=requested_at)
    client.force_login(warehouse_user)

    page = client.get(reverse("orders:return", args=[ret.reference])).content.decode()
    assert "Pickup window: Mon 4 Mar, 15:00\u201318:00" in page
    assert "11:17" in page and "10:17" not in page  # 10:17 UTC is 11:17 in Berlin
    assert "Times in Europe/Berlin." in page

    listing = client.get(reverse("orders:returns")).content.decode()
    assert "11:17" in listing and "10:17" not in listing
