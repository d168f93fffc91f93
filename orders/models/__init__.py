"""Orders models: customers, customer orders, lines, parcels, pick waves, attempts and the timeline
(orders.py); returns (returns.py); delivery PINs and cash on delivery (handover.py)."""

from orders.models.handover import *  # noqa: F403
from orders.models.orders import *  # noqa: F403
from orders.models.returns import *  # noqa: F403
