"""Dispatcher and warehouse pages: roles, board filters and query counts, forms, actions."""

import html
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from core.roles import Role
from orders.models import CustomerOrder, Return
from orders.services import (
    order_confirm,
    order_deliver,
    order_out_for_delivery,
    order_pack,
    order_pick,
    order_plan,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


BERLIN = ZoneInfo("Europe/Berlin")  # the test warehouse's zone


def _today_in_berlin() -> dict:
    """A window that starts now: on today's date where the warehouse is, at any hour (a window
    two hours ahead falls on tomorrow there late in the evening)."""
    now = timezone.now()
    return {"window_start": now, "window_end": now + timedelta(hours=2)}


@pytest.fixture
def dana(client):
    client.force_login(make_user(Role.DISPATCHER, username="dana"))
    return client


def test_pages_need_a_floor_role(client, stocked, make_order, tea):
    order = make_order([(tea, 1)])
    assert client.get("/orders/").status_code == 302  # to the login page
    client.force_login(make_user(Role.PURCHASING, username="pia"))
    assert client.get("/orders/").status_code == 403
    assert client.get(f"/orders/{order.reference}/").status_code == 403


def test_board_counts_filters_and_query_budget(
    dana, stocked, make_order, tea, django_assert_max_num_queries
):
    for i in range(12):
        order = make_order([(tea, 1)], customer_email=f"c{i}@example.com", **_today_in_berlin())
        if i < 4:
            order_confirm(order=order)
    with django_assert_max_num_queries(14):
        response = dana.get("/orders/")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('href="/orders/ORD-') == 12
    counts = {s: n for s, _label, n in response.context["counts"]}
    assert (counts["new"], counts["confirmed"]) == (8, 4)
    only_confirmed = dana.get("/orders/?status=confirmed")
    assert len(only_confirmed.context["rows"]) == 4
    today = timezone.localdate(timezone=BERLIN)
    assert dana.get(f"/orders/?date={today}&warehouse=BER&window_from=00:00").status_code == 200


def test_board_pages_keep_the_filters_and_the_day(dana, stocked, make_order, tea, monkeypatch):
    monkeypatch.setattr("orders.views.orders.BOARD_LIMIT", 2)
    for i in range(3):
        make_order([(tea, 1)], customer_email=f"p{i}@example.com", **_today_in_berlin())
    today = timezone.localdate(timezone=BERLIN).isoformat()
    first = dana.get("/orders/").content.decode()  # opens on today: the next page keeps it
    assert f'href="?date={today}&amp;page=2"' in first and "QueryDict" not in first
    filtered = dana.get("/orders/", {"status": "new", "warehouse": "BER"}).content.decode()
    assert 'href="?status=new&amp;warehouse=BER&amp;page=2"' in filtered
    second = dana.get("/orders/", {"status": "new", "warehouse": "BER", "page": 2})
    assert len(second.context["rows"]) == 1


def test_the_board_opens_on_today_where_the_warehouse_is(
    dana, stocked, make_order, tea, monkeypatch
):
    """At 23:30 UTC it is already tomorrow in Berlin: the board opens on Berlin's date, the
    day its date filter reads the windows in, not on the server's (UTC) date."""
    late = timezone.now().replace(hour=23, minute=30, second=0, microsecond=0)
    berlin_tomorrow = late.astimezone(BERLIN).date()
    assert berlin_tomorrow > late.date()
    order = make_order(
        [(tea, 1)], window_start=late, window_end=late + timedelta(hours=2), now=late
    )
    monkeypatch.setattr("django.utils.timezone.now", lambda: late)
    response = dana.get("/orders/")
    assert response.context["form"].data["date"] == berlin_tomorrow.isoformat()
    assert [o.pk for o, _risk in response.context["rows"]] == [order.pk]


def test_warehouse_staff_see_only_the_actions_they_may_take(client, stocked, make_order, tea):
    order = make_order([(tea, 1)])
    client.force_login(make_user(Role.WAREHOUSE, username="wim"))
    page = client.get(f"/orders/{order.reference}/").content.decode()
    assert "Confirm (reserve stock)" not in page and "Cancel order" not in page
    assert "Save location" not in page and "Reschedule" not in page
    board = client.get("/orders/").content.decode()
    assert "/orders/new/" not in board and "/orders/import/" not in board
    # The same rule answers the action itself.
    response = client.post(f"/orders/{order.reference}/confirm/")
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == "new"
    order_confirm(order=order)
    assert "Pick</button>" in client.get(f"/orders/{order.reference}/").content.decode()


def test_create_order_form_shows_field_errors_and_creates(dana, stocked, tea, warehouse):
    start = timezone.localtime(timezone.now() + timedelta(days=1), warehouse.tzinfo)
    data = {
        "warehouse": warehouse.pk,
        "customer_name": "Walk-in",
        "address": "Torstraße 1, Berlin",
        "latitude": "0",
        "longitude": "0",
        "window_start": start.strftime("%Y-%m-%dT10:00"),
        "window_end": start.strftime("%Y-%m-%dT12:00"),
        "service_time_s": 300,
        "priority": 1,
        "l-TOTAL_FORMS": 1,
        "l-INITIAL_FORMS": 0,
        "l-0-product": "TEA-001",
        "l-0-quantity": 2,
    }
    response = dana.post("/orders/new/", data)
    assert response.status_code == 422
    assert "0,0 is not a delivery location" in response.context["form"].errors["latitude"][0]
    assert not CustomerOrder.objects.exists()
    data.update(latitude="52.53", longitude="13.40")
    response = dana.post("/orders/new/", data)
    order = CustomerOrder.objects.get()
    assert response.status_code == 302
    local = timezone.localtime(order.window_start, warehouse.tzinfo)
    assert local.hour == 10


def test_detail_actions_and_refusals_are_shown(dana, stocked, make_order, tea, kettle):
    order = make_order([(tea, 1), (kettle, 9)])
    page = dana.get(f"/orders/{order.reference}/")
    assert "Not enough stock to confirm" in page.content.decode()
    response = dana.post(f"/orders/{order.reference}/confirm/", follow=True)
    assert "KET-001" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "new"
    dana.post(f"/orders/{order.reference}/confirm_partial/")
    dana.post(f"/orders/{order.reference}/pick/")
    dana.post(f"/orders/{order.reference}/pack/", {"parcels": "2.5 0.02\n1 0.01"})
    order.refresh_from_db()
    assert order.status == "packed"
    assert order.parcels.count() == 2
    response = dana.post(
        f"/orders/{order.reference}/location/", {"latitude": "91", "longitude": "1"}, follow=True
    )
    assert "Latitude must be between" in response.content.decode()


def test_map_picker_sets_the_location(dana, stocked, make_order, tea):
    order = make_order([(tea, 1)], latitude=None, longitude=None)
    page = dana.get(f"/orders/{order.reference}/").content.decode()
    assert "Needs a location" in page and "leaflet/leaflet.js" in page
    dana.post(f"/orders/{order.reference}/location/", {"latitude": "52.5", "longitude": "13.4"})
    order.refresh_from_db()
    assert not order.needs_location


def test_warehouse_staff_pick_waves_and_print_the_list(
    client, stocked, make_order, tea, warehouse, django_capture_on_commit_callbacks
):
    client.force_login(make_user(Role.WAREHOUSE, username="wim"))
    order = order_confirm(order=make_order([(tea, 3)]))
    response = client.post("/orders/waves/", {"warehouse": warehouse.pk})
    wave_url = response["Location"]
    sheet = client.get(wave_url).content.decode()
    assert "A-01-01" in sheet and "TEA-001" in sheet and order.reference in sheet
    with django_capture_on_commit_callbacks(execute=True):  # the background run
        client.post(wave_url)
    order.refresh_from_db()
    assert order.status == "picked"
    assert "TEA-001" in client.get(wave_url).content.decode()  # completed waves list the picks
    assert order.reference in client.get("/orders/packing/").content.decode()
    # Warehouse staff may not confirm or cancel.
    client.post(f"/orders/{order.reference}/cancel/")
    order.refresh_from_db()
    assert order.status == "picked"


def test_csv_import_page_lists_row_errors(dana, stocked, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = (
        b"order_ref,warehouse,customer_name,address,window_start,window_end,sku,quantity\n"
        b"X,BER,Ann,Road 1,2099-01-01 10:00,2099-01-01 12:00,NOPE,1\n"
    )
    with django_capture_on_commit_callbacks(execute=True):  # the background run
        upload = dana.post("/orders/import/", {"file": SimpleUploadedFile("o.csv", csv)})
    response = dana.get(upload["Location"])
    assert response.status_code == 422
    page = html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split()))
    assert "1 problem Row Column Problem 2 sku Unknown product 'NOPE'." in page
    assert "rows[2]" not in page and "1 error in 1 row." in page


def test_return_pages(dana, stocked, make_order, tea, returns_location):
    order = make_order([(tea, 2)])
    for step in (order_confirm, order_pick, order_pack, order_plan, order_out_for_delivery):
        order = step(order=order)
    order = order_deliver(order=order)
    line = order.lines.get()
    response = dana.post(
        f"/orders/{order.reference}/return/",
        {"method": "pickup", f"qty_{line.pk}": 3, f"reason_{line.pk}": "defective"},
    )
    assert response.status_code == 422
    response = dana.post(
        f"/orders/{order.reference}/return/",
        {"method": "pickup", f"qty_{line.pk}": 1, f"reason_{line.pk}": "defective"},
    )
    ret = Return.objects.get()
    assert response["Location"] == f"/orders/returns/{ret.reference}/"
    assert ret.reference in dana.get("/orders/returns/").content.decode()
    dana.post(
        f"/orders/returns/{ret.reference}/",
        {"action": "receive", f"condition_{ret.lines.get().pk}": "good"},
    )
    ret.refresh_from_db()
    assert ret.status == "received"
    assert "Return received" in dana.get(f"/orders/returns/{ret.reference}/").content.decode()


def test_dashboard_shows_order_cards(dana, stocked, make_order, tea):
    make_order([(tea, 1)])
    body = dana.get("/").content.decode()
    assert "New orders" in body and "Packed, ready for routing" in body


def test_the_admin_names_return_policies_in_english(client):
    client.force_login(make_user(Role.ADMIN, username="ada", is_staff=True, is_superuser=True))
    body = client.get("/admin/").content.decode()
    assert "Product return policies" in body and "policys" not in body
