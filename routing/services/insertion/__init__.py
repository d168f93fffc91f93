"""Same-day insertion: put a new or unassigned order into a live route at its cheapest feasible
position, and what an order would cost the own fleet (`marginal_cost`).

A route is live when its plan is published and the route is not completed; locked routes take
no stops by hand. The route is judged from where its vehicle is: after its last completed or
arrived stop (the vehicle leaves it no earlier than now, or the depot at the shift start when
nothing is done yet), with the driver's break still to come, the vehicle's remaining load
(deliveries still on board and any pickups) and skills. The search itself is the solver's
(`routing.solver.insertion.best_insertion`), so the cost is the optimiser's objective.

Tracking's ETAs for the preview and the refresh after a write come through `live` hooks that
an app above routing registers (dispatch does, from its AppConfig.ready): routing never imports
tracking. Without them the preview shows the planned times only.
"""

from routing.services.insertion.cost import MarginalCost, marginal_cost
from routing.services.insertion.hooks import LiveHooks, live, live_hooks_register
from routing.services.insertion.preview import (
    INSERTABLE_STATUSES,
    InsertionPreview,
    StopPreview,
    insertion_check,
    insertion_checks,
    insertion_preview_etas,
    live_routes,
    order_insertable,
)
from routing.services.insertion.remaining import NO_LIVE_ROUTE, route_remaining_problem
from routing.services.insertion.write import order_insert
from routing.solver.insertion import NO_POSITION, REASONS

__all__ = [
    "INSERTABLE_STATUSES",
    "NO_LIVE_ROUTE",
    "NO_POSITION",
    "REASONS",
    "InsertionPreview",
    "LiveHooks",
    "MarginalCost",
    "StopPreview",
    "insertion_check",
    "insertion_checks",
    "insertion_preview_etas",
    "live",
    "live_hooks_register",
    "live_routes",
    "marginal_cost",
    "order_insert",
    "order_insertable",
    "route_remaining_problem",
]
