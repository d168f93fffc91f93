"""Travel-time providers: turn node coordinates into integer distance/duration matrices.

The OR-Tools and PyVRP models use one static matrix, so time-of-day speeds are applied for a
single departure time (the earliest shift start): a deliberate simplification.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from .model import Matrices, Point

EARTH_RADIUS_M = 6_371_000.0
# Urban average speeds (km/h) by hour of day; slower in the morning and evening peaks.
DEFAULT_SPEEDS_KMH: tuple[float, ...] = (
    (40.0,) * 6
    + (32.0, 24.0, 22.0, 28.0)
    + (30.0,) * 6
    + (26.0, 22.0, 24.0)
    + (32.0,) * 2
    + (40.0,) * 3
)
UNREACHABLE = 10**9  # metres/seconds for pairs a router cannot connect


class TravelTimeProvider:
    """Interface: `matrices(points, depart_s)` returns integer matrices; results are cached
    per provider, coordinates and departure hour (a re-solve of the same plan is free)."""

    cache_size = 32

    def __init__(self) -> None:
        self._cache: OrderedDict[str, Matrices] = OrderedDict()

    def cache_key(self, points: Sequence[Point], depart_s: int) -> str:
        digest = hashlib.sha256(repr((list(points), self._hour(depart_s))).encode()).hexdigest()
        return digest

    @staticmethod
    def _hour(depart_s: int) -> int:
        return (depart_s // 3600) % 24

    def matrices(self, points: Sequence[Point], depart_s: int = 0) -> Matrices:
        key = self.cache_key(points, depart_s)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        result = self._compute(list(points), depart_s)
        self._cache[key] = result
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return result

    def _compute(self, points: list[Point], depart_s: int) -> Matrices:
        raise NotImplementedError


class HaversineProvider(TravelTimeProvider):
    """Great-circle distance x detour factor; duration = distance / speed of the departure hour.

    Needs no network, so it is the default."""

    def __init__(
        self, detour_factor: float = 1.3, speeds_kmh: Sequence[float] = DEFAULT_SPEEDS_KMH
    ) -> None:
        super().__init__()
        if len(speeds_kmh) != 24 or min(speeds_kmh) <= 0:
            raise ValueError("speeds_kmh needs 24 positive values, one per hour")
        self.detour_factor = detour_factor
        self.speeds_kmh = tuple(speeds_kmh)

    def _compute(self, points: list[Point], depart_s: int) -> Matrices:
        coords = np.radians(np.asarray(points, dtype=float).reshape(-1, 2))
        lat, lon = coords[:, 0][:, None], coords[:, 1][:, None]
        a = (
            np.sin((lat - lat.T) / 2) ** 2
            + np.cos(lat) * np.cos(lat.T) * np.sin((lon - lon.T) / 2) ** 2
        )
        metres = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1))) * self.detour_factor
        speed_ms = self.speeds_kmh[self._hour(depart_s)] / 3.6
        return Matrices(np.rint(metres), np.rint(metres / speed_ms))


class OSRMProvider(TravelTimeProvider):
    """OSRM `table` service (`/table/v1/<profile>/lon,lat;...?annotations=distance,duration`).

    Pairs OSRM cannot route (null entries) get a prohibitive value instead of failing the plan.
    """

    def __init__(self, base_url: str, profile: str = "driving", timeout_s: float = 30.0) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        self.timeout_s = timeout_s

    def _compute(self, points: list[Point], depart_s: int) -> Matrices:
        import requests  # imported here so the solver works without it installed

        # OSRM wants lon,lat order.
        coords = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
        url = f"{self.base_url}/table/v1/{self.profile}/{coords}"
        response = requests.get(
            url, params={"annotations": "distance,duration"}, timeout=self.timeout_s
        )
        response.raise_for_status()
        body = response.json()
        if body.get("code") != "Ok":
            raise RuntimeError(f"OSRM table failed: {body.get('code')} {body.get('message', '')}")
        return Matrices(_fill(body["distances"]), _fill(body["durations"]))


def _fill(rows: list[list[float | None]]) -> np.ndarray:
    return np.array(
        [[UNREACHABLE if v is None else round(v) for v in row] for row in rows], dtype=np.int64
    )


class MatrixProvider(TravelTimeProvider):
    """An explicit, precomputed matrix over a known list of points (benchmarks, tests, or a
    matrix computed elsewhere). Queried points are looked up by coordinate."""

    def __init__(self, points: Sequence[Point], distance_m, duration_s) -> None:
        super().__init__()
        self._index = {tuple(p): i for i, p in enumerate(points)}
        self._full = Matrices(distance_m, duration_s)

    def _compute(self, points: list[Point], depart_s: int) -> Matrices:
        try:
            idx = np.array([self._index[tuple(p)] for p in points])
        except KeyError as exc:
            raise ValueError(f"point {exc.args[0]} is not in the explicit matrix") from exc
        return Matrices(
            self._full.distance_m[np.ix_(idx, idx)], self._full.duration_s[np.ix_(idx, idx)]
        )


def euclidean_matrices(points: Sequence[Point], scale: int = 1, dimacs: bool = False) -> Matrices:
    """Planar Euclidean matrices (tests, benchmarks). DIMACS truncates 10*d to an integer,
    otherwise distances are rounded after scaling."""
    xy = np.asarray(points, dtype=float)
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)) * scale
    # Truncation, exactly as pyvrp.read(round_func="dimacs") and the BKS checker do.
    d = np.floor(d) if dimacs else np.rint(d)
    return Matrices(d, d)


def is_valid_point(point: Point | None) -> bool:
    return (
        point is not None
        and len(point) == 2
        and all(isinstance(c, (int, float)) and math.isfinite(c) for c in point)
    )
