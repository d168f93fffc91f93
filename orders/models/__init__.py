"""Orders models: customers, customer orders, lines, parcels, pick waves (orders.py); delivery
attempts and the timeline (timeline.py); returns (returns.py); delivery PINs and cash on
delivery (handover.py)."""

from orders.models.handover import *  # noqa: F403
from orders.models.orders import *  # noqa: F403
from orders.models.returns import *  # noqa: F403
from orders.models.timeline import *  # noqa: F403
