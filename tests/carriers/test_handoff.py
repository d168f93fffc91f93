"""Carrier hand-off: rate cards, the decision against the own fleet's marginal cost, booking,
tracking events moving the order, cancellation, pages and the customer page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from carriers.adapters import Consignment, NotServed, adapter_for
from carriers.models import Carrier, Shipment, ShipmentStatus
from carriers.services import (
    carrier_save,
    handoff_compare,
    order_hand_off,
    shipment_cancel,
    shipments_poll,
)
from core.exceptions import Conflict, ValidationFailed
from core.models import OutboxEvent
from orders.models import OrderEvent, OrderStatus
from tests.carriers.conftest import flat_carrier, new_order
from tests.factories import PartnerFactory


def consignment(km: str, kg: str) -> Consignment:
    return Consignment("ORD-X", Decimal(km), Decimal(kg), 1, "Depot", "Somewhere", "Someone")


@pytest.mark.django_db
def test_the_rate_card_prices_by_the_first_zone_and_band_that_reach_the_shipment():
    carrier = carrier_save(
        code="regio",
        name="Regio",
        kind="rate_card",
        currency="EUR",
        zone_limits_km=["10", "30"],
        weight_limits_kg=["5", "20"],
        prices=[["7", "10.5"], ["9", "12.25"]],
    )
    adapter = adapter_for(carrier)
    assert adapter.quote(consignment("10", "5")).price == Decimal("7.00")
    assert adapter.quote(consignment("10.1", "5.5")).price == Decimal("12.25")
    with pytest.raises(NotServed, match="up to 30 km"):
        adapter.quote(consignment("31", "1"))
    with pytest.raises(NotServed, match="up to 20"):
        adapter.quote(consignment("1", "21"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zones", "bands", "prices", "field"),
    [
        (["10", "10"], ["5"], [["1"], ["2"]], "zone_limits_km[1]"),
        (["10"], ["5", "2"], [["1", "2"]], "weight_limits_kg[1]"),
        (["10"], ["5"], [["-1"]], "prices[0][0]"),
        (["10"], ["5", "8"], [["1"]], "prices[0]"),
        (["10", "20"], ["5"], [["1"]], "prices"),
        (["ten"], ["5"], [["1"]], "zone_limits_km[0]"),
        ([], ["5"], [], "zone_limits_km"),
    ],
)
def test_a_rate_card_that_does_not_add_up_is_refused_naming_the_field(zones, bands, prices, field):
    with pytest.raises(ValidationFailed) as exc:
        carrier_save(
            code="bad",
            name="Bad",
            kind="rate_card",
            currency="EUR",
            zone_limits_km=zones,
            weight_limits_kg=bands,
            prices=prices,
        )
    assert exc.value.errors[0]["field"] == field
    assert not Carrier.objects.filter(code="bad").exists()


@pytest.mark.django_db
def test_the_own_fleet_wins_when_a_live_route_passes_by(day):
    carrier = flat_carrier("pricey", "45.00")
    order = new_order(day, near=(0, 4.5))
    c = handoff_compare(order=order)
    assert c.own_cost is not None and Decimal("0") < c.own_cost < Decimal("45")
    assert "Cheapest insertion" in c.own_basis
    assert c.best.carrier == carrier and c.best.price == Decimal("45.00")
    assert c.suggestion == "own_fleet"
    assert c.difference == Decimal("45.00") - c.own_cost


@pytest.mark.django_db
def test_the_carrier_wins_when_it_is_cheaper_than_the_detour(day):
    flat_carrier("cheap", "0.50")
    flat_carrier("pricey", "45.00")
    order = new_order(day, near=(0, 4.5))
    c = handoff_compare(order=order)
    assert c.own_cost > Decimal("0.50")
    assert c.best.carrier.code == "cheap" and c.suggestion == "carrier"
    assert c.difference == c.own_cost - Decimal("0.50")


@pytest.mark.django_db
def test_the_carrier_wins_when_no_live_route_can_take_the_order(day):
    flat_carrier("regio", "12.00")
    order = new_order(day, near=(1, 3.0), window=(6, 7))  # over before the clock's 07:00
    c = handoff_compare(order=order)
    assert c.own_cost is None and "No live route" in c.own_basis
    assert c.suggestion == "carrier"


@pytest.mark.django_db
def test_handing_off_books_the_order_and_takes_it_out_of_own_fleet_planning(day, dispatcher):
    carrier = flat_carrier("regio", "12.00")
    partner = PartnerFactory()
    order = new_order(day, partner=partner)
    draft = type(day.plan).objects.create(date=day.day, reference="PLN-2026-DRAFT1")
    draft.orders.add(order)
    shipment = order_hand_off(order=order, carrier=carrier, user=dispatcher)
    order.refresh_from_db()
    assert order.status == OrderStatus.PLANNED
    assert shipment.status == ShipmentStatus.BOOKED and shipment.price == Decimal("12.00")
    assert shipment.tracking_number.startswith("REGIO-")
    assert not draft.orders.filter(pk=order.pk).exists()
    event = order.events.get(type=OrderEvent.Type.PLANNED)
    assert event.data == {"carrier": "Regio", "tracking_number": shipment.tracking_number}
    hook = OutboxEvent.objects.filter(type="order.planned", partner=partner).latest("id")
    assert hook.payload["carrier"] == "Regio"
    with pytest.raises(Conflict, match="already with a carrier"):
        order_hand_off(order=order, carrier=carrier, user=dispatcher)


@pytest.mark.django_db
def test_an_order_on_a_published_route_or_not_packed_cannot_be_handed_off(day, dispatcher):
    carrier = flat_carrier("regio", "12.00")
    on_route = day.stops[0][0].order
    with pytest.raises(Conflict):
        order_hand_off(order=on_route, carrier=carrier, user=dispatcher)
    picked = new_order(day, status=OrderStatus.PICKED)
    with pytest.raises(Conflict, match="only packed"):
        order_hand_off(order=picked, carrier=carrier, user=dispatcher)
    far = new_order(day, ref="ORD-2026-900002", near=(0, 60.0))
    with pytest.raises(ValidationFailed, match="up to 50 km"):
        order_hand_off(order=far, carrier=carrier, user=dispatcher)
    assert not Shipment.objects.exists()


@pytest.mark.django_db
def test_the_sandbox_story_moves_the_order_to_delivered_once(day, dispatcher, settings):
    settings.CARRIERS_SANDBOX_EXCEPTION_PERCENT = 0
    settings.CARRIERS_SANDBOX_STEP_S = 60
    sandbox = flat_carrier("sandbox", "9.00", kind=Carrier.Kind.SANDBOX)
    order = new_order(day)
    shipment = order_hand_off(order=order, carrier=sandbox, user=dispatcher)
    start = shipment.created_at
    assert shipments_poll(now=start + dt.timedelta(seconds=61)) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.OUT_FOR_DELIVERY
    assert shipments_poll(now=start + dt.timedelta(minutes=10)) == 3
    assert shipments_poll(now=start + dt.timedelta(minutes=20)) == 0  # replays change nothing
    order.refresh_from_db()
    shipment.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED and shipment.status == ShipmentStatus.DELIVERED
    notes = order.events.filter(type=OrderEvent.Type.NOTE).values_list("data", flat=True)
    assert [n["carrier_status"] for n in notes] == [
        "picked_up",
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]


@pytest.mark.django_db
def test_a_sandbox_exception_fails_the_delivery(day, dispatcher, settings):
    settings.CARRIERS_SANDBOX_EXCEPTION_PERCENT = 100
    sandbox = flat_carrier("sandbox", "9.00", kind=Carrier.Kind.SANDBOX)
    order = new_order(day)
    shipment = order_hand_off(order=order, carrier=sandbox, user=dispatcher)
    shipments_poll(now=shipment.created_at + dt.timedelta(hours=2))
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    assert order.attempts.get().note.startswith("Recipient not available")


@pytest.mark.django_db
def test_cancelling_a_booking_gives_the_order_back_until_the_carrier_has_it(
    day, dispatcher, settings
):
    settings.CARRIERS_SANDBOX_EXCEPTION_PERCENT = 0
    sandbox = flat_carrier("sandbox", "9.00", kind=Carrier.Kind.SANDBOX)
    order = new_order(day)
    shipment = order_hand_off(order=order, carrier=sandbox, user=dispatcher)
    shipment_cancel(shipment=shipment, user=dispatcher)
    order.refresh_from_db()
    assert order.status == OrderStatus.PACKED
    again = order_hand_off(order=order, carrier=sandbox, user=dispatcher)  # may be re-booked
    shipments_poll(now=again.created_at + dt.timedelta(hours=1))
    again.refresh_from_db()
    with pytest.raises(Conflict, match="can no longer be cancelled"):
        shipment_cancel(shipment=again, user=dispatcher)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "terms, reason",
    [
        ({"cod_amount": Decimal("42.50"), "cod_currency": "EUR"}, "does not collect cash"),
        ({"requires_pin": True}, "cannot check a delivery PIN"),
    ],
)
def test_an_order_collecting_cash_or_needing_a_pin_stays_with_the_own_fleet(
    day, dispatcher, terms, reason
):
    carrier = flat_carrier("regio", "12.00")
    order = new_order(day, **terms)
    option = handoff_compare(order=order).options[0]
    assert option.price is None and reason in option.reason
    with pytest.raises(ValidationFailed, match=reason):
        order_hand_off(order=order, carrier=carrier, user=dispatcher)
    order.refresh_from_db()
    assert order.status == OrderStatus.PACKED and not Shipment.objects.exists()
