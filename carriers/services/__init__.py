"""Carrier writes: rate cards (`carrier_save`), hand-off (`order_hand_off`), cancellation
(`shipment_cancel`), tracking events (`shipment_event_record`, `shipments_poll`) and the
hand-off decision (`handoff_compare`)."""

from carriers.services.decision import Comparison, handoff_compare, plan_compare
from carriers.services.rate_cards import carrier_save, rate_card_clean
from carriers.services.shipments import (
    order_consignment,
    order_hand_off,
    shipment_cancel,
    shipment_event_record,
    shipments_poll,
)

__all__ = [
    "Comparison",
    "carrier_save",
    "handoff_compare",
    "order_consignment",
    "order_hand_off",
    "plan_compare",
    "rate_card_clean",
    "shipment_cancel",
    "shipment_event_record",
    "shipments_poll",
]
