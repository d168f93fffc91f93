"""The ETA engine's arithmetic, free of the database: given where the vehicle is and when it can
leave, the remaining stops in order, a travel-time provider (the optimiser's: haversine by
default, OSRM when configured) asked at each leg's own departure hour, a learned speed ratio
(by hour of day when the caller has one) and the route's breaks not taken yet, compute each
stop's arrival, service start (after waiting for its window) and departure; then cut a window
around each arrival from the measured distribution of past errors at that horizon, after
shifting the arrival by the median of those errors when TRACKING_ETA_RECENTRE is on.

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
class EtaBreak:
    """A planned break: the driver takes it after the stop during which it falls due (as the
    optimiser plans it and drivers do)."""

    start: dt.datetime
    duration_s: int


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
    shift_s: int = 0  # re-centring applied: eta = model arrival + shift_s

    @property
    def is_late_risk(self) -> bool:
        """The ETA window ends after the customer's time window does."""
        return self.window_end is not None and self.high > self.window_end


@dataclass(frozen=True)
class ErrorQuantiles:
    """Per horizon bucket: (low, high) error offsets in seconds (actual - model arrival), or
    None for buckets without enough samples yet; `centres` the buckets' median errors (None
    where unknown), by which the point ETA is re-centred."""

    buckets: tuple[tuple[float, float] | None, ...] = ()
    centres: tuple[float | None, ...] = ()

    def centre(self, horizon_s: float) -> float:
        index = horizon_bucket(horizon_s)
        value = self.centres[index] if index < len(self.centres) else None
        return value or 0.0


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
    """(low, high) offsets from the re-centred point ETA for a prediction `horizon_s` ahead.

    Empirical quantiles where the bucket has data, the default otherwise, both taken relative
    to the bucket's median error (the point ETA is shifted by it, see `ErrorQuantiles`).
    Uncertainty cannot shrink with the horizon, so a bucket's centred offsets are at least as
    wide as any shorter bucket's measured ones: sparse long-horizon data cannot promise a
    2-hour window narrower than the 10-minute one. Comparing them centred matters: a bias
    that grows with the horizon must not stretch the long windows on both sides.
    """
    index = horizon_bucket(horizon_s)
    default = default_half_width_s(horizon_s, base_s=base_s, share=share)
    low, high = -default, default
    own = quantiles.buckets[index] if index < len(quantiles.buckets) else None
    if own is not None:
        centre = quantiles.centres[index] if index < len(quantiles.centres) else None
        low, high = own[0] - (centre or 0.0), own[1] - (centre or 0.0)
    for shorter_index, shorter in enumerate(quantiles.buckets[:index]):
        if shorter is not None:
            centre = (
                quantiles.centres[shorter_index] if shorter_index < len(quantiles.centres) else 0
            )
            low = min(low, shorter[0] - (centre or 0.0))
            high = max(high, shorter[1] - (centre or 0.0))
    return min(low, -MIN_HALF_WIDTH_S), max(high, MIN_HALF_WIDTH_S)


def breaks_pending(
    breaks: Sequence[dict | EtaBreak],
    *,
    departures: Sequence[dt.datetime],
    leaving_at: dt.datetime | None = None,
    route_start: dt.datetime | None = None,
) -> tuple[list[EtaBreak], dt.datetime | None]:
    """Split a route's planned breaks (`Route.breaks` rows: {"start": iso, "duration_s": n})
    by what the driver did so far, given the departure times of the stops completed.

    Returns (breaks not taken yet, when the break in progress ends or None). A break falls
    due after the first stop left at or after its start, so one whose start is after the
    last departure is still to come; one that fell due at the last departure was taken
    there and runs until that departure plus its duration. `leaving_at`: the vehicle is at a
    stop whose service ends then, so breaks due by then are taken there, before driving on.
    A break planned before `route_start` (the optimiser may place it while the van waits at
    the depot) is not on the road: it is ignored.
    """
    parsed = sorted(
        (
            b
            if isinstance(b, EtaBreak)
            else EtaBreak(
                start=dt.datetime.fromisoformat(b["start"])
                if isinstance(b["start"], str)
                else b["start"],
                duration_s=int(b.get("duration_s") or 0),
            )
            for b in breaks
        ),
        key=lambda b: b.start,
    )
    if route_start is not None:
        parsed = [b for b in parsed if b.start >= route_start]
    done = sorted(d for d in departures if d is not None)
    resume = None
    if not done:
        untaken = [b for b in parsed if b.duration_s > 0]
    else:
        last = done[-1]
        before_last = done[-2] if len(done) > 1 else None
        untaken = [b for b in parsed if b.start > last and b.duration_s > 0]
        taken_at_last = [
            b for b in parsed if b.start <= last and (before_last is None or b.start > before_last)
        ]
        if taken_at_last:
            resume = last + dt.timedelta(seconds=sum(b.duration_s for b in taken_at_last))
    if leaving_at is not None:
        due = [b for b in untaken if b.start <= leaving_at]
        if due:
            untaken = untaken[len(due) :]
            resume = leaving_at + dt.timedelta(seconds=sum(b.duration_s for b in due))
    return untaken, resume


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


class _LegsByHour:
    """Leg i's duration as the provider gives it for a departure at a given hour: one provider
    call per distinct departure hour (the matrix over all the route's points), not per leg."""

    def __init__(self, durations, provider, points: Sequence[Point]):
        self.durations, self.provider, self.points = durations, provider, list(points)
        self.by_hour: dict[int, list[int]] = {}

    def __call__(self, index: int, depart_s: int) -> int:
        hour = (depart_s // 3600) % 24
        if hour not in self.by_hour:
            self.by_hour[hour] = self.durations(self.provider, self.points, hour * 3600)
        return self.by_hour[hour][index]


def etas_compute(
    *,
    origin: Point,
    ready_at: dt.datetime,
    stops: Sequence[EtaStop],
    provider,
    tz: zoneinfo.ZoneInfo,
    now: dt.datetime,
    speed_ratio: float | Callable[[int], float] = 1.0,
    quantiles: ErrorQuantiles | None = None,
    default_base_s: float = 300,
    default_share: float = 0.10,
    durations: Callable[..., list[int]] = leg_durations,
    breaks: Sequence[EtaBreak] = (),
) -> list[EtaResult]:
    """ETAs of `stops` (in driving order) for a vehicle at `origin` that can leave at `ready_at`.

    Travel = provider duration at the leg's departure hour x the speed ratio (a number, or a
    function of the local departure hour); a stop's service starts at max(arrival, its window
    start) and lasts its service time; each of `breaks` (those not taken yet) is taken after
    the stop during which it falls due. The point ETA is the model arrival shifted by the
    median past error at horizon (arrival - now), and the window around it comes from
    `window_offsets` at that horizon.
    """
    quantiles = quantiles or ErrorQuantiles()

    def ratio_at(hour: int) -> float:
        value = speed_ratio(hour) if callable(speed_ratio) else speed_ratio
        return min(max(value, RATIO_BOUNDS[0]), RATIO_BOUNDS[1])

    leg_s = _LegsByHour(durations, provider, [origin, *[s.point for s in stops]])
    pending = sorted(breaks, key=lambda b: b.start)
    results: list[EtaResult] = []
    clock = ready_at
    for index, stop in enumerate(stops):
        depart_s = seconds_of_day(clock, tz)
        travel_s = leg_s(index, depart_s) * ratio_at(depart_s // 3600)
        arrival = clock + dt.timedelta(seconds=math.ceil(travel_s))
        start = max(arrival, stop.window_start) if stop.window_start else arrival
        departure = start + dt.timedelta(seconds=stop.service_s)
        horizon = max(0.0, (arrival - now).total_seconds())
        shift_s = round(quantiles.centre(horizon))
        eta = arrival + dt.timedelta(seconds=shift_s)
        low_s, high_s = window_offsets(
            horizon, quantiles, base_s=default_base_s, share=default_share
        )
        results.append(
            EtaResult(
                key=stop.key,
                eta=eta,
                service_start=start,
                departure=departure,
                horizon_s=int(horizon),
                low=max(now, eta + dt.timedelta(seconds=low_s)),
                high=eta + dt.timedelta(seconds=high_s),
                window_end=stop.window_end,
                shift_s=shift_s,
            )
        )
        clock = departure
        while pending and pending[0].start <= clock:
            clock += dt.timedelta(seconds=pending.pop(0).duration_s)
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
