"""The ETA engine's arithmetic, free of the database: given where the vehicle is and when it can
leave, the remaining stops in order, a travel-time provider (the optimiser's: haversine by
default, OSRM when configured) asked at each leg's own departure hour, a learned speed ratio
(by hour of day when the caller has one) and the route's breaks not taken yet, compute each
stop's arrival, service start (after waiting for its window) and departure; then put a window
around each arrival from the errors measured at that horizon on earlier days (`ErrorWindows`,
cut by `tracking.services.eta.windows`) and moved by today's drift (a share of the time ahead,
`tracking.services.eta.drift`); the point ETA is the arrival, or the drifted arrival shifted by
the median of those errors when TRACKING_ETA_RECENTRE is on.

`tracking.services.eta` loads the route, calls these and stores the result.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import NormalDist

Point = tuple[float, float]

# Horizon buckets (seconds ahead) whose errors make one window each: <10 min, <20, <30, <45,
# <1 h, <1.5 h, <2 h, <3 h, <4 h, more. Windows are interpolated between the buckets, so
# predictions 59 and 61 minutes ahead get nearly the same window.
HORIZON_EDGES_S: tuple[int, ...] = (600, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 14400)
# Never promise a window narrower than this either side of the point ETA.
MIN_HALF_WIDTH_S = 120
MIN_HALF_WIDTH = dt.timedelta(seconds=MIN_HALF_WIDTH_S)
# Learned speed ratios are kept within these bounds (a stuck van is a ping problem, not a ratio).
RATIO_BOUNDS = (0.5, 3.0)
# How many legs' worth of "as expected" each learned ratio starts from (see `speed_priors`);
# `route` is today's own pace against the priors (see `blended_ratio`). A shrinkage weight is
# the spread of one leg's ratio over the spread of what is learned: one leg varies by about
# 0.3 (its own noise and the odd incident), an hour's traffic against the model by 0.15 or
# more (rush hours 1.3-1.4x while midday runs at 1x), a driver's pace by about 0.1, so an
# hour is believed after 5 legs and a driver after 8. With 20 each, an hour met on 12 legs
# (two days of four vans) kept 60 % of its gap to the day's average: ETAs across a rush hour
# came out minutes early. Today's pace stays slow to move (the hour and the driver explain
# most of it).
PRIOR_WEIGHTS = {"overall": 10.0, "hour": 5.0, "driver": 8.0, "route": 20.0}
# The leg the van is driving: its pace so far (time since it left against the time the engine
# expected for the part driven) is believed as if LEG_PACE_PRIOR_S more seconds had gone as
# expected, and only once LEG_PACE_MIN_S of expected driving lies behind it (before that the
# van is still pulling out and its pace is GPS noise). See `leg_pace`.
LEG_PACE_PRIOR_S = 120
LEG_PACE_MIN_S = 60


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
    shift_s: int = 0  # eta = model arrival (drift included) + shift_s

    @property
    def is_late_risk(self) -> bool:
        """The ETA window ends after the customer's time window does."""
        return self.window_end is not None and self.high > self.window_end


@dataclass(frozen=True)
class HorizonWindow:
    """The window for predictions `horizon_s` ahead, as offsets from the model's arrival:
    `low_s`..`high_s` held the target share of past errors (actual - model arrival);
    `centre_s` is their median."""

    horizon_s: float
    low_s: float
    high_s: float
    centre_s: float = 0.0


@dataclass(frozen=True)
class ErrorWindows:
    """Windows by horizon (`points` in ascending horizon), interpolated linearly between two
    points and flat beyond the first and the last. With `recentre` the point ETA is the model
    arrival shifted by the median error; the window stays where the errors put it. `scale`
    stretches every window about its centre (the median error) alike; today's adaptation is
    per horizon, so `eta_windows_current` applies it to the points and leaves `scale` 1. `drift`
    moves the model arrival (so the window) later by that share of the time ahead: today's
    lateness."""

    points: tuple[HorizonWindow, ...]
    recentre: bool = False
    # One stretch for every horizon (1: the per-horizon adaptation is already in `points`).
    scale: float = 1.0
    # How much later than the vehicle's physics today runs, per second ahead
    # (tracking.services.eta.drift): part of the model arrival, so the window moves with it.
    drift: float = 0.0

    def at(self, horizon_s: float) -> HorizonWindow:
        points = self.points
        if horizon_s <= points[0].horizon_s:
            return points[0]
        for before, after in pairwise(points):
            if horizon_s <= after.horizon_s:
                share = (horizon_s - before.horizon_s) / (after.horizon_s - before.horizon_s)
                return HorizonWindow(
                    horizon_s,
                    before.low_s + share * (after.low_s - before.low_s),
                    before.high_s + share * (after.high_s - before.high_s),
                    before.centre_s + share * (after.centre_s - before.centre_s),
                )
        return points[-1]

    def centre(self, horizon_s: float) -> float:
        """The shift from the model arrival to the point ETA (0 unless `recentre`)."""
        return self.at(horizon_s).centre_s if self.recentre else 0.0

    def offsets(self, horizon_s: float) -> tuple[float, float]:
        """(low, high) offsets from the point ETA; the window always holds the point ETA
        and at least MIN_HALF_WIDTH_S either side of it."""
        window = self.at(horizon_s)
        shift = window.centre_s if self.recentre else 0.0
        centre, scale = window.centre_s, self.scale
        low_s = centre + scale * (window.low_s - centre)
        high_s = centre + scale * (window.high_s - centre)
        return (
            min(low_s - shift, -MIN_HALF_WIDTH_S),
            max(high_s - shift, MIN_HALF_WIDTH_S),
        )


def bucket_horizons_s(edges: Sequence[int] = HORIZON_EDGES_S) -> list[float]:
    """A representative horizon per bucket (its middle; the open last one a quarter above its
    lower edge), where a bucket without measured errors puts its window."""
    lows = [0, *edges]
    return [(lo + hi) / 2 for lo, hi in zip(lows, edges, strict=False)] + [edges[-1] * 1.25]


def prior_half_width_s(horizon_s: float, *, coverage: float, base_s: float, share: float) -> float:
    """Before errors are measured: base + share x horizon is taken as an 80 % half-width
    (e.g. ±(3 min + 18 %)); other coverages scale it as a normal distribution's quantile."""
    normal = NormalDist()
    scale = normal.inv_cdf((1 + coverage) / 2) / normal.inv_cdf(0.9)
    return (base_s + share * max(0.0, horizon_s)) * scale


def prior_windows(*, coverage: float = 0.8, base_s: float = 180, share: float = 0.18):
    """The windows of an engine that has measured nothing yet (see `prior_half_width_s`)."""
    return ErrorWindows(
        tuple(
            HorizonWindow(h, -w, w)
            for h in [0, *bucket_horizons_s()]
            for w in [prior_half_width_s(h, coverage=coverage, base_s=base_s, share=share)]
        )
    )


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
    windows: ErrorWindows | None = None,
    durations: Callable[..., list[int]] = leg_durations,
    breaks: Sequence[EtaBreak] = (),
    first_leg_pace: float = 1.0,
) -> list[EtaResult]:
    """ETAs of `stops` (in driving order) for a vehicle at `origin` that can leave at `ready_at`.

    Travel = provider duration at the leg's departure hour x the speed ratio (a number, or a
    function of the local departure hour); a stop's service starts at max(arrival, its window
    start) and lasts its service time; each of `breaks` (those not taken yet) is taken after
    the stop during which it falls due. The window around each arrival comes from `windows`
    (the prior when None) at its horizon (arrival - now), the model arrival being the van's
    moved by the windows' `drift` x that horizon (today's lateness: the window moves, the
    van's schedule does not). The point ETA is the van's arrival; with re-centring on, the
    model arrival shifted by the median past error there. `first_leg_pace` (`leg_pace`)
    multiplies the ratio of the first leg, the one the van is driving.
    """
    windows = windows or prior_windows()

    def ratio_at(hour: int) -> float:
        value = speed_ratio(hour) if callable(speed_ratio) else speed_ratio
        return min(max(value, RATIO_BOUNDS[0]), RATIO_BOUNDS[1])

    leg_s = _LegsByHour(durations, provider, [origin, *[s.point for s in stops]])
    pending = sorted(breaks, key=lambda b: b.start)
    results: list[EtaResult] = []
    clock = ready_at
    for index, stop in enumerate(stops):
        depart_s = seconds_of_day(clock, tz)
        ratio = ratio_at(depart_s // 3600)
        if index == 0 and first_leg_pace != 1.0:
            ratio = min(max(ratio * first_leg_pace, RATIO_BOUNDS[0]), RATIO_BOUNDS[1])
        travel_s = leg_s(index, depart_s) * ratio
        arrival = clock + dt.timedelta(seconds=math.ceil(travel_s))
        start = max(arrival, stop.window_start) if stop.window_start else arrival
        departure = start + dt.timedelta(seconds=stop.service_s)
        ahead_s = max(0.0, (arrival - now).total_seconds())
        # Today's drift moves the model arrival, so the window; the point ETA stays the van's
        # own arrival (the drift is a mean lateness, incidents included: the likeliest time
        # is earlier) unless re-centred on the errors left after the drift. The van's schedule
        # (service start, departure, the next legs) stays physical.
        model = arrival + dt.timedelta(seconds=round(windows.drift * ahead_s))
        horizon = max(0.0, (model - now).total_seconds())
        centre = model + dt.timedelta(seconds=round(windows.centre(horizon)))
        eta = centre if windows.recentre else arrival
        low_s, high_s = windows.offsets(horizon)
        low = min(centre + dt.timedelta(seconds=low_s), eta - MIN_HALF_WIDTH)
        high = max(centre + dt.timedelta(seconds=high_s), eta + MIN_HALF_WIDTH)
        results.append(
            EtaResult(
                key=stop.key,
                eta=eta,
                service_start=start,
                departure=departure,
                horizon_s=int(horizon),
                low=max(now, low),
                high=high,
                window_end=stop.window_end,
                shift_s=round((eta - model).total_seconds()),
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
    route_weight: float = PRIOR_WEIGHTS["route"],
) -> float:
    """The route's observed travel-time ratio so far, shrunk towards `prior` while it rests on
    few legs. The engine measures today's legs against their priors (`route_predicted_s` the
    model's time x the prior of each leg's hour) and shrinks towards 1: today's own pace."""
    if route_legs <= 0 or route_predicted_s <= 0:
        return min(max(prior, RATIO_BOUNDS[0]), RATIO_BOUNDS[1])
    observed = route_actual_s / route_predicted_s
    ratio = (route_legs * observed + route_weight * prior) / (route_legs + route_weight)
    return min(max(ratio, RATIO_BOUNDS[0]), RATIO_BOUNDS[1])


def shrunk_ratio(actual_s: float, expected_s: float, legs: int, *, towards: float, weight: float):
    """actual / expected travel time measured on `legs` legs, shrunk towards `towards` as if
    `weight` more legs had gone exactly so."""
    if legs <= 0 or expected_s <= 0:
        return towards
    return (legs * actual_s / expected_s + weight * towards) / (legs + weight)


def leg_pace(*, elapsed_s: float, expected_s: float, prior_s: float = LEG_PACE_PRIOR_S) -> float:
    """How much slower (> 1) or faster than the engine's speed ratio the van is driving the leg
    it is on: `elapsed_s` since it left the last stop (or the depot), against `expected_s`, the
    engine's time for the part of the leg already behind it (the model's time x the ratio),
    shrunk towards 1 as if `prior_s` more seconds had gone as expected. 1 while less than
    LEG_PACE_MIN_S of the leg is behind it.

    A van crawling through a jam or an incident is late for the rest of that leg too: without
    this the engine put it at the model's speed from its newest position, so its ETAs slid
    with the clock and every customer ahead heard of the delay only bit by bit."""
    if expected_s < LEG_PACE_MIN_S or elapsed_s <= 0:
        return 1.0
    return (elapsed_s + prior_s) / (expected_s + prior_s)


def speed_priors(
    by_hour: dict[int, tuple[float, float, int]],
    driver_by_hour: dict[int, tuple[float, float, int]],
) -> dict[int, float]:
    """A driver's typical ratio (actual / model travel time) at each local hour, from recent
    legs as (actual_s, predicted_s, legs) by departure hour, of all drivers (`by_hour`) and of
    this one: the hour's ratio (traffic the model does not know) times the driver's own pace
    measured against the hours they drove in. Each shrunk while it rests on few legs: the
    overall ratio towards 1, an hour's towards the overall, the driver's towards 1. Multiplied
    rather than averaged, so a slow driver in the morning rush is slower still."""
    total = [sum(v[k] for v in by_hour.values()) for k in range(3)]
    overall = shrunk_ratio(*total, towards=1.0, weight=PRIOR_WEIGHTS["overall"])
    hour = {
        h: shrunk_ratio(*by_hour.get(h, (0, 0, 0)), towards=overall, weight=PRIOR_WEIGHTS["hour"])
        for h in range(24)
    }
    driver = shrunk_ratio(
        sum(a for a, _p, _n in driver_by_hour.values()),
        sum(p * hour[h] for h, (_a, p, _n) in driver_by_hour.items()),
        sum(n for _a, _p, n in driver_by_hour.values()),
        towards=1.0,
        weight=PRIOR_WEIGHTS["driver"],
    )
    return {h: min(max(hour[h] * driver, RATIO_BOUNDS[0]), RATIO_BOUNDS[1]) for h in range(24)}
