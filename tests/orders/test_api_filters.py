"""The order and return lists' query parameters (orders.filters): each filters what its name
says, a value of the wrong type is a 400 naming the parameter, and a partner's `partner=` never
widens its view."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.roles import Role
from orders.models import Return
from tests.factories import (
    CustomerFactory,
    CustomerOrderFactory,
    PartnerFactory,
    WarehouseFactory,
)

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def _refs(response):
    assert response.status_code == 200, response.content
    return sorted(row["reference"] for row in response.json()["results"])


def _fields(response):
    return [error["field"] for error in response.json()["errors"]]


@pytest.fixture
def world(partner_api):
    client = partner_api(scopes=["orders:read"])
    ber = WarehouseFactory(code="BER", timezone="Europe/Berlin")
    ham = WarehouseFactory(code="HAM", timezone="Europe/Berlin")
    other = PartnerFactory(code="other")
    # 23:30 in Berlin on 4 May is 21:30 UTC: the window's local day is the 4th.
    late_evening = datetime(2026, 5, 4, 23, 30, tzinfo=BERLIN)
    orders = {
        "new_ber": CustomerOrderFactory(
            partner=client.partner, warehouse=ber, status="new", external_ref="SHOP-1",
            window_start=late_evening, window_end=late_evening + timedelta(hours=1),
            customer=CustomerFactory(name="Ada Lovelace"),
        ),
        "packed_ham": CustomerOrderFactory(
            partner=client.partner, warehouse=ham, status="packed", external_ref="SHOP-2",
            window_start=late_evening + timedelta(hours=1),
            window_end=late_evening + timedelta(hours=2),
        ),
        "delivered_ber": CustomerOrderFactory(
            partner=client.partner, warehouse=ber, status="delivered", external_ref="SHOP-3",
        ),
        "theirs": CustomerOrderFactory(partner=other, warehouse=ber, status="new"),
    }  # fmt: skip
    return client, orders


def test_order_filters_select_what_they_name(world):
    client, o = world
    ref = {name: order.reference for name, order in o.items()}
    assert _refs(client.get("/api/v1/orders/?status=new")) == [ref["new_ber"]]
    # An empty list (what the schema's array allows) filters nothing.
    assert len(_refs(client.get("/api/v1/orders/?status="))) == 3
    assert _refs(client.get("/api/v1/orders/?status=new,packed")) == sorted(
        [ref["new_ber"], ref["packed_ham"]]
    )
    assert _refs(client.get("/api/v1/orders/?warehouse=HAM")) == [ref["packed_ham"]]
    assert _refs(client.get("/api/v1/orders/?external_ref=SHOP-3")) == [ref["delivered_ber"]]
    assert _refs(client.get("/api/v1/orders/?q=lovelace")) == [ref["new_ber"]]
    # The window day is read in the warehouse's zone: 23:30 local is still the 4th.
    assert _refs(client.get("/api/v1/orders/?date=2026-05-04")) == [ref["new_ber"]]
    assert _refs(client.get("/api/v1/orders/?date=2026-05-05")) == [ref["packed_ham"]]
    assert _refs(client.get("/api/v1/orders/?status=new&warehouse=BER&date=2026-05-04")) == [
        ref["new_ber"]
    ]


def test_a_partner_cannot_see_another_partners_orders_by_asking_for_them(world):
    client, o = world
    assert o["theirs"].reference not in _refs(client.get("/api/v1/orders/?partner=other"))
    assert len(_refs(client.get("/api/v1/orders/?partner=other"))) == 3


def test_staff_filter_orders_by_partner(world, staff_api):
    _client, o = world
    dispatcher = staff_api(Role.DISPATCHER)
    assert _refs(dispatcher.get("/api/v1/orders/?partner=other")) == [o["theirs"].reference]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("date=yesterday", "date"),
        ("date=2026-02-30", "date"),
        ("date=", "date"),
        ("status=lost", "status"),
        ("status=new,lost", "status"),
    ],
)
def test_a_bad_order_filter_is_a_400_naming_the_parameter(world, query, param):
    client, _o = world
    response = client.get(f"/api/v1/orders/?{query}")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert _fields(response) == [param]


def _return(order, status="requested"):
    return Return.objects.create(
        reference=f"RMA-{order.reference}", order=order, partner=order.partner,
        warehouse=order.warehouse, status=status, channel="partner",
        rejection_reason="late" if status == "rejected" else "",
    )  # fmt: skip


def test_return_filters_select_what_they_name(world):
    client, o = world
    mine = _return(o["delivered_ber"])
    rejected = _return(o["packed_ham"], status="rejected")
    _return(o["theirs"])
    assert _refs(client.get("/api/v1/returns/")) == sorted([mine.reference, rejected.reference])
    assert _refs(client.get("/api/v1/returns/?status=requested")) == [mine.reference]
    assert _refs(client.get("/api/v1/returns/?status=rejected,closed")) == [rejected.reference]
    assert _refs(client.get("/api/v1/returns/?warehouse=HAM")) == [rejected.reference]
    order_ref = o["delivered_ber"].reference
    assert _refs(client.get(f"/api/v1/returns/?order={order_ref}")) == [mine.reference]
    assert _refs(client.get(f"/api/v1/returns/?order={o['theirs'].reference}")) == []


@pytest.mark.parametrize(("query", "param"), [("status=lost", "status"), ("status=,", "status")])
def test_a_bad_return_filter_is_a_400_naming_the_parameter(world, query, param):
    client, _o = world
    response = client.get(f"/api/v1/returns/?{query}")
    assert response.status_code == 400, response.content
    assert _fields(response) == [param]
