"""Every inventory write goes through these functions (see each docstring for its contract).

Stock: stock_receive, stock_return, stock_transfer, stock_condition_change, stock_adjust,
stock_count, stock_scrap, stock_expire_due, stock_row_ensure.
Reservations: stock_reserve, reservation_release, reservations_release, stock_pick, stock_ship.
"""

from inventory.services.reservations import (  # noqa: F401
    allocation_order_key,
    reservation_release,
    reservations_release,
    stock_pick,
    stock_reserve,
    stock_ship,
)
from inventory.services.stock import (  # noqa: F401
    stock_adjust,
    stock_condition_change,
    stock_count,
    stock_expire_due,
    stock_receive,
    stock_return,
    stock_row_ensure,
    stock_scrap,
    stock_transfer,
)
