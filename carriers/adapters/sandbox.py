"""A simulated carrier API: books at once and reports one tracking event every
CARRIERS_SANDBOX_STEP_S seconds after booking — picked up, in transit, out for delivery,
delivered — as a real carrier's tracking feed would. CARRIERS_SANDBOX_EXCEPTION_PERCENT of
shipments (chosen by their tracking number, so a shipment always plays the same story) end in a
delivery exception instead of the delivery."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from carriers import conf
from carriers.adapters.base import CarrierAdapter, TrackingUpdate
from carriers.models import ShipmentStatus as S

STORY = (
    (S.PICKED_UP, "Collected from the depot."),
    (S.IN_TRANSIT, "At the carrier's sorting centre."),
    (S.OUT_FOR_DELIVERY, "With the courier for delivery today."),
)
LAST_GOOD = (S.DELIVERED, "Delivered to the recipient.")
LAST_BAD = (S.EXCEPTION, "Recipient not available; the parcel goes back to the depot.")


def _ends_badly(tracking_number: str) -> bool:
    roll = int(hashlib.sha256(tracking_number.encode()).hexdigest()[:8], 16) % 100
    return roll < conf.get("CARRIERS_SANDBOX_EXCEPTION_PERCENT")


class SandboxAdapter(CarrierAdapter):
    def book(self, shipment) -> str:
        return f"SBX{secrets.token_hex(6).upper()}"

    def track(self, shipment, *, now: dt.datetime) -> list[TrackingUpdate]:
        step = dt.timedelta(seconds=conf.get("CARRIERS_SANDBOX_STEP_S"))
        story = [*STORY, LAST_BAD if _ends_badly(shipment.tracking_number) else LAST_GOOD]
        updates = []
        for index, (status, text) in enumerate(story, start=1):
            at = shipment.created_at + index * step
            if at > now:
                break
            updates.append(TrackingUpdate(status, at, text, f"{shipment.tracking_number}-{index}"))
        return updates
