"""A carrier known only by its rate card: booking issues a reference the dispatcher writes on
the parcels, and there is no tracking feed (status changes come from the dispatcher)."""

from __future__ import annotations

import datetime as dt
import secrets

from carriers.adapters.base import CarrierAdapter, TrackingUpdate


class RateCardAdapter(CarrierAdapter):
    def book(self, shipment) -> str:
        return f"{self.carrier.code.upper()[:8]}-{secrets.token_hex(5).upper()}"

    def track(self, shipment, *, now: dt.datetime) -> list[TrackingUpdate]:
        return []
