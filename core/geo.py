"""Geometry on the earth's surface, free of Django: great-circle distances between
(latitude, longitude) points in degrees, and the point of anything that has coordinates.

The optimiser's travel-time provider (routing/solver/providers.py) keeps its own vectorised
version: it builds whole matrices with numpy and must stay importable without this project.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

Point = tuple[float, float]

EARTH_RADIUS_M = 6_371_000.0


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


def path_m(points: Iterable[Point]) -> float:
    """Length in metres of the straight-line path through `points` in order."""
    return sum(haversine_m(a, b) for a, b in itertools.pairwise(points))


def point_of(obj) -> Point | None:
    """(latitude, longitude) as floats of an object with `latitude`/`longitude` attributes (an
    order, a warehouse, a ping), or None when either is missing."""
    latitude, longitude = getattr(obj, "latitude", None), getattr(obj, "longitude", None)
    if latitude is None or longitude is None:
        return None
    return (float(latitude), float(longitude))


def grid_area(lat: float, lon: float, *, cell_m: float = 1000.0) -> tuple[float, float, float]:
    """The centre of the ~`cell_m` grid square holding (lat, lon) and the radius (m) of a circle
    that covers the square: where someone is, to about a kilometre, without the exact point.

    Cells are fixed (not centred on the point), so the answer is the same for every address in
    the square and reveals nothing finer; longitude cells widen with latitude so they stay about
    `cell_m` wide."""
    lat_step = cell_m / (math.pi * EARTH_RADIUS_M / 180)
    centre_lat = (math.floor(lat / lat_step) + 0.5) * lat_step
    lon_step = lat_step / max(math.cos(math.radians(centre_lat)), 0.01)
    centre_lon = (math.floor(lon / lon_step) + 0.5) * lon_step
    return round(centre_lat, 5), round(centre_lon, 5), round(cell_m * math.sqrt(2) / 2)
