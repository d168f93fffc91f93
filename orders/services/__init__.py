"""Customer order services: every change of a customer order or a return goes through these
functions (each docstring states the rule it enforces). Callers import them from here.

Lifecycle (ORDER_TRANSITIONS; an invalid move raises InvalidTransition → 409 with the current and
allowed states):

    new → confirmed → picked → packed → planned → out_for_delivery → delivered
                                         ↑  planned → packed (removed from a plan)
    out_for_delivery → failed → packed (rescheduled for a new attempt) | cancelled (back to stock)
    new/confirmed/picked/packed/planned → cancelled

Stock is held in inventory per order line under `demand_ref = "<order reference>#<line pk>"`:
confirm reserves (all lines or none, unless a partial confirmation is asked for), pick moves the
units to the warehouse's dispatch location, deliver ships them; cancel releases every reservation
and moves picked units back to where they were picked from (ledger `release` + `transfer`).

Every transition appends an `OrderEvent` and publishes `order.<event>` through core.events in the
same transaction. Routing calls order_plan/order_unplan/order_out_for_delivery; tracking calls
order_arriving/order_deliver/order_fail.

Modules: common.py (transition table, timeline, locking), cleaning.py (input checks),
creation.py, confirmation.py, picking.py, delivery.py, handover.py (delivery PIN, cash on
delivery), imports.py (CSV), history.py (delivered
orders from before Waybill, in bulk), returns.py and return_policy.py.
"""

from orders.services.carrier import order_carrier_update, order_hand_to_carrier
from orders.services.cleaning import coordinates_clean, windows_clean
from orders.services.common import EDITABLE_STATUSES, ORDER_TRANSITIONS, order_event_add
from orders.services.confirmation import order_confirm
from orders.services.creation import (
    customer_create,
    order_create,
    order_geocode,
    order_location_set,
)
from orders.services.delivery import (
    order_arriving,
    order_cancel,
    order_deliver,
    order_fail,
    order_out_for_delivery,
    order_plan,
    order_reschedule,
    order_unplan,
)
from orders.services.handover import (
    PIN_DIGITS,
    PIN_MAX_ATTEMPTS,
    PinLocked,
    PinWrong,
    cod_collect,
    cod_collection_clean,
    handover_ready_check,
    pin_check,
    pin_issue,
    pin_override,
    pin_ready_check,
)
from orders.services.history import PastOrder, orders_history_import
from orders.services.imports import orders_import
from orders.services.picking import (
    dispatch_location,
    order_pack,
    order_pick,
    parcels_default,
    pick_wave_complete,
    pick_wave_create,
    pick_wave_start,
)
from orders.services.return_policy import (
    RETURN_TRANSITIONS,
    return_policy_violations,
    return_window_days,
    returned_quantities,
)
from orders.services.returns import (
    return_at_depot,
    return_close,
    return_in_transit,
    return_receive,
    return_refund,
    return_reject,
    return_request,
)

__all__ = [
    "EDITABLE_STATUSES",
    "ORDER_TRANSITIONS",
    "PIN_DIGITS",
    "PIN_MAX_ATTEMPTS",
    "RETURN_TRANSITIONS",
    "PastOrder",
    "PinLocked",
    "PinWrong",
    "cod_collect",
    "cod_collection_clean",
    "coordinates_clean",
    "customer_create",
    "dispatch_location",
    "handover_ready_check",
    "order_arriving",
    "order_cancel",
    "order_carrier_update",
    "order_confirm",
    "order_create",
    "order_deliver",
    "order_event_add",
    "order_fail",
    "order_geocode",
    "order_hand_to_carrier",
    "order_location_set",
    "order_out_for_delivery",
    "order_pack",
    "order_pick",
    "order_plan",
    "order_reschedule",
    "order_unplan",
    "orders_history_import",
    "orders_import",
    "parcels_default",
    "pick_wave_complete",
    "pick_wave_create",
    "pick_wave_start",
    "pin_check",
    "pin_issue",
    "pin_override",
    "pin_ready_check",
    "return_at_depot",
    "return_close",
    "return_in_transit",
    "return_policy_violations",
    "return_receive",
    "return_refund",
    "return_reject",
    "return_request",
    "return_window_days",
    "returned_quantities",
    "windows_clean",
]
