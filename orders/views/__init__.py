"""Orders pages: customer orders (orders.py), picking and packing (picking.py), returns
(returns.py)."""

from orders.views.orders import (
    BoardView,
    OrderActionView,
    OrderCreateView,
    OrderDetailView,
    OrderImportRunView,
    OrderImportView,
)
from orders.views.picking import PackingView, WaveDetailView, WaveListView
from orders.views.returns import ReturnCreateView, ReturnDetailView, ReturnListView

__all__ = [
    "BoardView",
    "OrderActionView",
    "OrderCreateView",
    "OrderDetailView",
    "OrderImportRunView",
    "OrderImportView",
    "PackingView",
    "ReturnCreateView",
    "ReturnDetailView",
    "ReturnListView",
    "WaveDetailView",
    "WaveListView",
]
