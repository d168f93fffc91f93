"""Reads for delivery promises: request inputs (inputs.py), stock readiness (stock.py), slots
and capacity (capacity.py), cost and confidence (quality.py), the options (options.py)."""

from promising.selectors.capacity import DayCapacity, Slot, depot_days
from promising.selectors.inputs import (
    DepotRules,
    Destination,
    Item,
    depot_rules,
    depots_serving,
    destination_resolve,
    items_resolve,
)
from promising.selectors.options import (
    Option,
    OptionsResult,
    delivery_options,
    earliest_day,
    option_unsign,
    slot_fits,
)
from promising.selectors.stock import ItemReadiness, live_hold_q, stock_readiness

__all__ = [
    "DayCapacity",
    "DepotRules",
    "Destination",
    "Item",
    "ItemReadiness",
    "Option",
    "OptionsResult",
    "Slot",
    "delivery_options",
    "depot_days",
    "depot_rules",
    "depots_serving",
    "destination_resolve",
    "earliest_day",
    "items_resolve",
    "live_hold_q",
    "option_unsign",
    "slot_fits",
    "stock_readiness",
]
