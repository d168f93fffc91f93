"""Reads behind the live dispatch board: the day's published routes with their stops, ETAs and
vehicle positions, the exceptions a dispatcher must act on, the map layers, and a cheap version
stamp so a poll with nothing new costs one query. Everything here is read-only.

shapes.py: what the board shows (filters, stop/route views, exceptions); day.py: the day's rows
and version stamps; board.py: building the board and its map; stops.py: a stop's detail and a
move's ETA preview.
"""

from dispatch.selectors.board import board_build, board_map_data, board_vehicles
from dispatch.selectors.day import (
    board_day_default,
    board_depots,
    board_drivers,
    board_routes,
    board_version,
    day_positions,
    positions_version,
)
from dispatch.selectors.shapes import (
    DASH,
    ROUTE_FILTERS,
    Board,
    BoardException,
    BoardFilters,
    RouteView,
    StopView,
)
from dispatch.selectors.stops import move_preview_etas, stop_detail

__all__ = [
    "DASH",
    "ROUTE_FILTERS",
    "Board",
    "BoardException",
    "BoardFilters",
    "RouteView",
    "StopView",
    "board_build",
    "board_day_default",
    "board_depots",
    "board_drivers",
    "board_map_data",
    "board_routes",
    "board_vehicles",
    "board_version",
    "day_positions",
    "move_preview_etas",
    "positions_version",
    "stop_detail",
]
