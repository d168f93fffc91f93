"""Carrier adapters by `Carrier.kind`. A new carrier integration is a CarrierAdapter subclass
registered here."""

from __future__ import annotations

from carriers.adapters.base import (
    CarrierAdapter,
    Consignment,
    NotServed,
    Quote,
    TrackingUpdate,
    rate_card_price,
)
from carriers.adapters.rate_card import RateCardAdapter
from carriers.adapters.sandbox import SandboxAdapter

ADAPTERS: dict[str, type[CarrierAdapter]] = {
    "rate_card": RateCardAdapter,
    "sandbox": SandboxAdapter,
}


def adapter_for(carrier) -> CarrierAdapter:
    return ADAPTERS[carrier.kind](carrier)


__all__ = [
    "ADAPTERS",
    "CarrierAdapter",
    "Consignment",
    "NotServed",
    "Quote",
    "TrackingUpdate",
    "adapter_for",
    "rate_card_price",
]
