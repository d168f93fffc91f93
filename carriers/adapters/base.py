"""The carrier adapter interface: what Waybill needs from any carrier, whatever its API.

An adapter is built for one `Carrier` row. `quote` prices a consignment (or raises NotServed
with the reason), `book` returns the carrier's tracking number, `label` the printable label
(PDF bytes), `track` the tracking events known so far (the poller records the new ones once),
`cancel` withdraws a booking (or raises Conflict when the carrier already has the goods).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.exceptions import Conflict


class NotServed(Exception):
    """The carrier does not take this consignment (too far, too heavy, inactive, or a handover
    it cannot perform: cash to collect, a PIN to check)."""


@dataclass(frozen=True)
class Consignment:
    """What a carrier is asked to move: one order's parcels from its depot to the customer."""

    reference: str
    distance_km: Decimal
    weight_kg: Decimal
    parcels: int
    origin: str
    destination: str
    recipient: str
    cash_to_collect: Decimal | None = None
    requires_pin: bool = False


@dataclass(frozen=True)
class Quote:
    price: Decimal
    currency: str
    service: str
    transit_days: int


@dataclass(frozen=True)
class TrackingUpdate:
    status: str
    at: dt.datetime
    description: str
    external_id: str


class CarrierAdapter(ABC):
    # What the carrier's driver can do at the door. Neither adapter here can: an order that
    # collects cash or needs the customer's PIN stays with the own fleet, whose driver app
    # enforces both (orders.services.handover).
    collects_cash = False
    checks_pin = False

    def __init__(self, carrier) -> None:
        self.carrier = carrier

    def quote(self, consignment: Consignment) -> Quote:
        """The rate card's price for the consignment's zone and weight band."""
        if consignment.cash_to_collect and not self.collects_cash:
            raise NotServed(f"{self.carrier.name} does not collect cash on delivery.")
        if consignment.requires_pin and not self.checks_pin:
            raise NotServed(f"{self.carrier.name} cannot check a delivery PIN.")
        price = rate_card_price(self.carrier, consignment.distance_km, consignment.weight_kg)
        return Quote(price, self.carrier.currency, self.carrier.name, self.carrier.transit_days)

    @abstractmethod
    def book(self, shipment) -> str:
        """Book the shipment; returns the carrier's tracking number."""

    def label(self, shipment) -> bytes:
        from carriers.labels import label_pdf

        return label_pdf(shipment)

    @abstractmethod
    def track(self, shipment, *, now: dt.datetime) -> list[TrackingUpdate]:
        """Every tracking event the carrier has for the shipment up to `now`."""

    def cancel(self, shipment) -> None:
        from carriers.models import ShipmentStatus

        if shipment.status != ShipmentStatus.BOOKED:
            raise Conflict(
                f"{self.carrier.name} already has {shipment.order.reference} "
                f"({shipment.get_status_display().lower()}); it can no longer be cancelled.",
                field="shipment",
                code="too_late",
            )


def rate_card_price(carrier, distance_km: Decimal, weight_kg: Decimal) -> Decimal:
    """prices[zone][band] for the first zone reaching `distance_km` and the first band
    reaching `weight_kg`; NotServed past the last zone or band."""
    if not carrier.is_active:
        raise NotServed(f"{carrier.name} is inactive.")
    zone = next((i for i, km in enumerate(carrier.zone_limits_km) if distance_km <= km), None)
    if zone is None:
        last = carrier.zone_limits_km[-1] if carrier.zone_limits_km else 0
        raise NotServed(f"{carrier.name} delivers up to {last} km from the depot.")
    band = next((j for j, kg in enumerate(carrier.weight_limits_kg) if weight_kg <= kg), None)
    if band is None:
        last = carrier.weight_limits_kg[-1] if carrier.weight_limits_kg else 0
        raise NotServed(f"{carrier.name} takes up to {last} kg.")
    return Decimal(carrier.prices[zone][band]).quantize(Decimal("0.01"), ROUND_HALF_UP)
