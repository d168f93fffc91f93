"""Demo carriers: a sandbox courier that plays a tracking story, and a regional rate card."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from carriers.models import Carrier, Shipment
from carriers.services import carrier_save, handoff_compare, order_hand_off
from core.exceptions import DomainError
from inventory.models import Product, Warehouse
from orders.models import CustomerOrder, OrderStatus

SANDBOX = "swiftpost"

DEMO = [
    {
        "code": "swiftpost",
        "name": "SwiftPost (sandbox)",
        "kind": Carrier.Kind.SANDBOX,
        "currency": "EUR",
        "transit_days": 1,
        "zone_limits_km": [5, 15, 40],
        "weight_limits_kg": [2, 10, 30],
        "prices": [
            ["6.90", "9.50", "16.00"],
            ["8.40", "11.90", "19.50"],
            ["11.50", "15.90", "26.00"],
        ],
    },
    {
        "code": "regiofracht",
        "name": "RegioFracht",
        "kind": Carrier.Kind.RATE_CARD,
        "currency": "EUR",
        "transit_days": 2,
        "zone_limits_km": [10, 30, 80],
        "weight_limits_kg": [5, 20, 60],
        "prices": [
            ["7.50", "10.00", "18.00"],
            ["9.00", "12.50", "22.00"],
            ["12.00", "16.00", "28.00"],
        ],
    },
]


def seed(*, stdout) -> None:
    """Create the demo carriers once (an existing code is left as staff edited it)."""
    for spec in DEMO:
        if Carrier.objects.filter(code=spec["code"]).exists():
            continue
        carrier_save(**spec)
        stdout.write(f"carriers: {spec['name']}\n")
    _seed_shipment(stdout=stdout)


def _seed_shipment(*, stdout) -> None:
    """Hand one packed demo order to the sandbox carrier, priced against the own fleet as the
    order page does, so its tracking story plays (beat polls it): one no route took, else one
    packed for tomorrow here (a small demo plans every packed order of today)."""
    if Shipment.objects.filter(order__external_ref__startswith="DEMO-").exists():
        return
    carrier = Carrier.objects.filter(code=SANDBOX, is_active=True).first()
    if carrier is None:
        return
    candidates = list(
        CustomerOrder.objects.filter(
            external_ref__startswith="DEMO-",
            status=OrderStatus.PACKED,
            latitude__isnull=False,
        ).order_by("pk")[:10]
    )
    for order in _one_by_one(candidates):
        try:
            compared = handoff_compare(order=order)
            shipment = order_hand_off(
                order=order,
                carrier=carrier,
                own_cost=compared.own_cost,
                own_cost_basis=compared.own_basis,
            )
        except DomainError:
            continue
        stdout.write(
            f"carriers: {order.reference} handed to {carrier.name} ({shipment.tracking_number})\n"
        )
        return


def _one_by_one(candidates: list[CustomerOrder]):
    """The candidates, then (only when none of them could be handed off: late in the day a
    carrier no longer takes today's windows) an order packed for tomorrow."""
    yield from candidates
    tomorrow = _packed_for_tomorrow()
    if tomorrow is not None:
        yield tomorrow


def _packed_for_tomorrow() -> CustomerOrder | None:
    from orders import services as order_services

    depot = Warehouse.objects.filter(code="BER", is_active=True).first()
    product = (
        Product.objects.filter(
            is_active=True, stock__location__warehouse=depot, stock__on_hand__gt=20
        )
        .order_by("sku")
        .first()
    )
    if depot is None or product is None:
        return None
    tomorrow = timezone.localtime(timezone.now(), depot.tzinfo).date() + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time(10), tzinfo=depot.tzinfo)
    try:
        order = order_services.order_create(
            warehouse=depot,
            external_ref=f"DEMO-{depot.code}-{tomorrow:%Y%m%d}-CARRIER",
            customer_name="Hannah Krause",
            customer_email="hannah.krause@example.com",
            address=f"Müllerstraße 77, {depot.city}",
            latitude=(depot.latitude + Decimal("0.031")).quantize(Decimal("0.000001")),
            longitude=(depot.longitude - Decimal("0.052")).quantize(Decimal("0.000001")),
            window_start=start,
            window_end=start + dt.timedelta(hours=4),
            lines=[{"product": product, "quantity": 1}],
        )
        order_services.order_confirm(order=order)
        order_services.order_pick(order=order)
        return order_services.order_pack(order=order)
    except DomainError:
        return None
