"""The ETA engine's arithmetic, free of the database: given where the vehicle is and when it can
leave, the remaining stops in order, a travel-time provider (the optimiser's: haversine by
default, OSRM when configured) and a learned speed ratio, compute each stop's arrival, service
start (after waiting for its window) and departure; then cut a window around each arrival
from the measured distribution of past errors at that horizon.

`tracking.services.eta` loads the route, calls these and stores the result.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Point = tuple[float, float]

# Horizon buckets (seconds ahead) whose errors are pooled: <15 min, <30, <1 h, <2 h, <4 h, more.
HORIZON_EDGES_S: tuple[int, ...] = (900, 1800, 3600, 7200, 14400)
# Never promise a window narrower than this either side of the point ETA.
MIN_HALF_WIDTH_S = 120
# Learned speed ratios are kept within these bounds (a stuck van is a ping problem, not a ratio).
RATIO_BOUNDS = (0.5, 3.0)


@dataclass(frozen=True)
class EtaStop:
    key: int
    point: Point
    service_s: int
    window_start: dt.datetime | None = None
    window_end: dt.datetime | None = None


@dataclass(frozen=True)
class EtaResult:
    key: int
    eta: dt.datetime  # arrival
    service_start: dt.datetime
    departure: dt.datetime
    horizon_s: int
    low: dt.datetime
    high: dt.datetime
    window_end: dt.datetime | None

    @property
    def is_late_risk(self) -> bool:
        """The ETA window ends after the customer's time window does."""
        return self.window_end is not None and self.high > self.window_end


@dataclass(frozen=True)
class ErrorQuantiles:
    """Per horizon bucket: (low, high) error offsets in seconds (actual - eta), or None for
    buckets without enough samples yet."""

    buckets: tuple[tuple[float, float] | None, ...] = ()


def horizon_bucket(horizon_s: float) -> int:
    for index, edge in enumerate(HORIZON_EDGES_S):
        if horizon_s < edge:
            return index
    return len(HORIZON_EDGES_S)


def default_half_width_s(horizon_s: float, *, base_s: float, share: float) -> float:
    """Before any data: ±(base + share x horizon), e.g. ±(5 min + 10 %)."""
    return base_s + share * max(0.0, horizon_s)


def window_offsets(
    horizon_s: float, quantiles: ErrorQuantiles, *, base_s: float, share: float
) -> tuple[float, float]:
    """(low, high) offsets from the point ETA for a prediction `horizon_s` ahead.

    Empirical quantiles where the bucket has data, the default otherwise. Uncertainty cannot
    shrink with the horizon, so a bucket's offsets are at least as wide as any shorter
    bucket's measured ones: sparse long-horizon data cannot promise a 2-hour window narrower
    than the 10-minute one.
    """
    index = horizon_bucket(horizon_s)
    default = default_half_width_s(horizon_s, base_s=base_s, share=share)
    low, high = -default, default
    own = quantiles.buckets[index] if index < len(quantiles.buckets) else None
    if own is not None:
        low, high = own
    for shorter in quantiles.buckets[:index]:
        if shorter is not None:
            low, high = min(low, shorter[0]), max(high, shorter[1])
    return min(low, -MIN_HALF_WIDTH_S), max(high, MIN_HALF_WIDTH_S)


def seconds_of_day(at: dt.datetime, tz: zoneinfo.ZoneInfo) -> int:
    """What the providers call `depart_s`: seconds since local midnight (for speeds by hour)."""
    local = at.astimezone(tz)
    return local.hour * 3600 + local.minute * 60 + local.second


def leg_durations(provider, points: Sequence[Point], depart_s: int) -> list[int]:
    """Duration of each consecutive leg points[i] → points[i+1], from one provider matrix."""
    if len(points) < 2:
        return []
    matrices = provider.matrices(list(points), depart_s)
    return [int(matrices.duration_s[i][i + 1]) for i in range(len(points) - 1)]


def etas_compute(
    *,
    origin: Point,
    ready_at: dt.datetime,
    stops: Sequence[EtaStop],
    provider,
    tz: zoneinfo.ZoneInfo,
    now: dt.datetime,
    speed_ratio: float = 1.0,
    quantiles: ErrorQuantiles | None = None,
    default_base_s: float = 300,
    default_share: float = 0.10,
    durations: Callable[..., list[int]] = leg_durations,
) -> list[EtaResult]:
    """ETAs of `stops` (in driving order) for a vehicle at `origin` that can leave at `ready_at`.

    Travel = provider duration x `speed_ratio`; a stop's service starts at max(arrival, its
    window start) and lasts its service time. The window around each arrival comes from
    `window_offsets` at horizon (arrival - now).
    """
    quantiles = quantiles or ErrorQuantiles()
    ratio = min(max(speed_ratio, RATIO_BOUNDS[0]), RATIO_BOUNDS[1])
    legs = durations(provider, [origin, *[s.point for s in stops]], seconds_of_day(ready_at, tz))
    results: list[EtaResult] = []
    clock = ready_at
    for stop, leg_s in zip(stops, legs, strict=True):
        arrival = clock + dt.timedelta(seconds=math.ceil(leg_s * ratio))
        start = max(arrival, stop.window_start) if stop.window_start else arrival
        departure = start + dt.timedelta(seconds=stop.service_s)
        horizon = max(0.0, (arrival - now).total_seconds())
        low_s, high_s = window_offsets(
            horizon, quantiles, base_s=default_base_s, share=default_share
        )
        results.append(
            EtaResult(
                key=stop.key,
                eta=arrival,
                service_start=start,
                departure=departure,
                horizon_s=int(horizon),
                low=max(now, arrival + dt.timedelta(seconds=low_s)),
                high=arrival + dt.timedelta(seconds=high_s),
                window_end=stop.window_end,
            )
        )
        clock = departure
    return results


def blended_ratio(
    *,
    route_actual_s: float,
    route_predicted_s: float,
    route_legs: int,
    prior: float = 1.0,
    route_weight: float = 2.0,
) -> float:
    """The route's observed travel-time ratio so far, shrunk towards `prior` (the driver's and
    the hour's typical ratio, or 1.0) while it rests on few legs."""
    if route_legs <= 0 or route_predicted_s <= 0:
        return min(max(prior, RATIO_BOUNDS[0]), RATIO_BOUNDS[1])
    observed = route_actual_s / route_predicted_s
    ratio = (route_legs * observed + route_weight * prior) / (route_legs + route_weight)
    return min(max(ratio, RATIO_BOUNDS[0]), RATIO_BOUNDS[1])


def prior_ratio(samples: Sequence[tuple[float, int]], *, weight: float = 10.0) -> float:
    """Combine (ratio, sample count) pairs (driver's, hour's) with 1.0 weighted `weight`."""
    total = weight
    acc = weight * 1.0
    for ratio, count in samples:
        if count and ratio and math.isfinite(ratio):
            acc += ratio * count
            total += count
    return acc / total
