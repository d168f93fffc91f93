"""Carrier pages as a dispatcher and as roles that may not use them; the customer page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from carriers.models import Carrier, Shipment
from carriers.services import order_hand_off, shipments_poll
from orders.models import OrderStatus
from tests.carriers.conftest import flat_carrier, new_order


@pytest.mark.django_db
def test_a_dispatcher_compares_and_hands_off_from_the_order_page(client, day, dispatcher):
    flat_carrier("cheap", "0.50")
    order = new_order(day, near=(0, 4.5))
    client.force_login(dispatcher)
    page = client.get(reverse("orders:detail", args=[order.reference])).content.decode()
    assert reverse("carriers:order-compare", args=[order.reference]) in page
    compare = client.get(reverse("carriers:order-compare", args=[order.reference]))
    text = compare.content.decode()
    assert compare.status_code == 200
    assert "Own fleet" in text and "0.50 EUR" in text and "Suggested: hand off to Cheap" in text
    response = client.post(
        reverse("carriers:order-compare", args=[order.reference]),
        {"carrier": "cheap", "order": order.reference},
    )
    assert response.status_code == 302
    shipment = Shipment.objects.get(order=order)
    assert shipment.own_cost is not None and shipment.own_cost > shipment.price
    page = client.get(reverse("orders:detail", args=[order.reference])).content.decode()
    assert shipment.tracking_number in page and "Label (PDF)" in page
    label = client.get(reverse("carriers:shipment-label", args=[shipment.tracking_number]))
    assert label["Content-Type"] == "application/pdf" and label.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_carrier_pages_are_refused_to_other_roles_and_their_links_hidden(
    client, day, warehouse_user
):
    flat_carrier("cheap", "0.50")
    order = new_order(day)
    client.force_login(warehouse_user)
    page = client.get(reverse("orders:detail", args=[order.reference])).content.decode()
    assert reverse("carriers:order-compare", args=[order.reference]) not in page
    assert client.get(reverse("carriers:order-compare", args=[order.reference])).status_code == 403
    assert client.get(reverse("carriers:carrier-list")).status_code == 403
    assert client.post(reverse("carriers:carrier-create"), {}).status_code == 403


@pytest.mark.django_db
def test_the_rate_card_form_saves_a_grid_and_names_what_is_wrong(client, dispatcher):
    client.force_login(dispatcher)
    data = {
        "code": "regio",
        "name": "Regio",
        "kind": "rate_card",
        "currency": "eur",
        "transit_days": 2,
        "is_active": "on",
        "zone_limits_km": "10, 30",
        "weight_limits_kg": "5 20",
        "prices": "7 10.50\n9, 12.25\n",
    }
    assert client.post(reverse("carriers:carrier-create"), data).status_code == 302
    carrier = Carrier.objects.get(code="regio")
    assert carrier.currency == "EUR" and [str(p) for p in carrier.prices[1]] == ["9.00", "12.25"]
    listing = client.get(reverse("carriers:carrier-list")).content.decode()
    assert "12.25" in listing and "≤ 30 km" in listing
    bad = client.post(
        reverse("carriers:carrier-edit", args=["regio"]), {**data, "prices": "7 10.50\n9\n"}
    )
    assert bad.status_code == 422
    assert "one price per weight band" in bad.content.decode()


@pytest.mark.django_db
def test_the_plan_comparison_lists_its_stops_with_both_costs(client, day, dispatcher):
    flat_carrier("cheap", "0.50")
    plan = day.plan
    type(plan).objects.filter(pk=plan.pk).update(status="ready")  # not yet published
    client.force_login(dispatcher)
    plan_page = client.get(reverse("routing:plan", args=[plan.reference])).content.decode()
    assert reverse("carriers:plan-compare", args=[plan.reference]) in plan_page
    response = client.get(reverse("carriers:plan-compare", args=[plan.reference]))
    text = response.content.decode()
    assert response.status_code == 200
    first = day.stops[0][0].order.reference
    assert first in text and "0.50 EUR" in text and "Own fleet saves" in text


@pytest.mark.django_db
def test_the_customer_page_names_the_carrier_and_its_tracking(client, day, dispatcher, settings):
    settings.CARRIERS_SANDBOX_EXCEPTION_PERCENT = 0
    sandbox = flat_carrier("swift", "9.00", kind=Carrier.Kind.SANDBOX, name="SwiftPost")
    order = new_order(day)
    shipment = order_hand_off(order=order, carrier=sandbox, user=dispatcher)
    shipments_poll(now=shipment.created_at + dt.timedelta(minutes=5))
    order.refresh_from_db()
    assert order.status == OrderStatus.OUT_FOR_DELIVERY
    page = client.get(reverse("tracking_public:page", args=[order.tracking_token])).content.decode()
    assert "SwiftPost" in page and shipment.tracking_number in page
    assert "Collected from the depot." in page


@pytest.mark.django_db
def test_an_order_without_coordinates_offers_no_comparison_and_the_page_says_why(
    client, day, dispatcher
):
    flat_carrier("cheap", "0.50")
    order = new_order(day)
    type(order).objects.filter(pk=order.pk).update(latitude=None, longitude=None)
    client.force_login(dispatcher)
    page = client.get(reverse("orders:detail", args=[order.reference])).content.decode()
    assert reverse("carriers:order-compare", args=[order.reference]) not in page
    response = client.get(reverse("carriers:order-compare", args=[order.reference]), follow=True)
    assert response.status_code == 200
    assert "has no coordinates; set its location first" in response.content.decode()


@pytest.mark.django_db
def test_an_order_with_a_carrier_offers_no_delivery_moves_on_its_page(client, day, dispatcher):
    carrier = flat_carrier("regio", "12.00", name="RegioFracht")
    order = new_order(day)
    order_hand_off(order=order, carrier=carrier, user=dispatcher)
    client.force_login(dispatcher)
    page = client.get(reverse("orders:detail", args=[order.reference])).content.decode()
    assert "With RegioFracht: its tracking events move this order on" in page
    assert "Handed to a carrier</strong> Handed to RegioFracht" in page
    for action in ("unplan", "out", "cancel"):
        assert reverse("orders:action", args=[order.reference, action]) not in page
