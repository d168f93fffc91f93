"""The fleet simulator's pure logic: a seeded noise model, a route's timeline, a simulated clock.

No Django here (like `routing.solver`; distances come from the equally pure `core.geo`): the
player (`simulator.player`) turns published routes into `SimRoute`s, asks `route_timeline` what
the driver does and when, and sends it through the API. Everything random is drawn from a
`random.Random` seeded by (seed, purpose, key), so a stop's service time or a driver's speed
bias does not depend on the order in which routes are simulated: same seed, same day → same
pings and outcomes.

What the noise model says about a day (defaults; chosen to look like urban van deliveries):
- travel time of a leg = the travel-time model's duration x traffic(hour of departure) x the
  driver's speed bias x a per-leg log-normal factor, plus, with a small probability, an
  incident of several minutes;
- service time = the planned one x a log-normal factor (customers are quick or chatty);
- a share of deliveries fail (customer absent) after a short attempt;
- a share of drivers leave the depot late;
- a driver arriving before a stop's window waits for it, and takes the planned break after
  the stop during which it falls due.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.geo import EARTH_RADIUS_M, Point, haversine_m

# Travel-time multiplier by local hour on top of the model's own hourly speeds: the model is a
# little optimistic in the peaks and a little pessimistic at night (what the engine must learn).
DEFAULT_TRAFFIC: tuple[float, ...] = (
    (0.95,) * 6 + (1.05, 1.25, 1.2, 1.1) + (1.05,) * 6 + (1.2, 1.3, 1.15) + (1.0,) * 2 + (0.95,) * 3
)


@dataclass(frozen=True)
class NoiseModel:
    """How reality departs from the plan. Every draw is a pure function of (seed, key)."""

    seed: int = 0
    traffic: tuple[float, ...] = DEFAULT_TRAFFIC
    driver_bias_sigma: float = 0.12
    leg_sigma: float = 0.15
    incident_probability: float = 0.04
    incident_range_s: tuple[int, int] = (300, 1500)
    service_sigma: float = 0.30
    min_service_s: int = 30
    failure_probability: float = 0.05
    failed_attempt_range_s: tuple[int, int] = (60, 180)
    late_start_probability: float = 0.15
    late_start_range_s: tuple[int, int] = (300, 1800)
    gps_sigma_m: float = 8.0

    def rng(self, purpose: str, key: str) -> random.Random:
        # A str seed is hashed with SHA-512 by `random`: stable across processes and runs.
        return random.Random(f"{self.seed}|{purpose}|{key}")

    def traffic_factor(self, hour: int) -> float:
        return self.traffic[hour % 24]

    def driver_bias(self, driver: str) -> float:
        """A driver's lasting speed habit (1.1 = takes 10 % longer than the model)."""
        return math.exp(self.rng("driver", driver).gauss(0.0, self.driver_bias_sigma))

    def travel_s(self, *, model_s: float, hour: int, driver: str, key: str) -> int:
        """Actual duration of one leg whose model duration is `model_s`, departing at `hour`."""
        rng = self.rng("leg", key)
        factor = math.exp(rng.gauss(0.0, self.leg_sigma))
        seconds = model_s * self.traffic_factor(hour) * self.driver_bias(driver) * factor
        if rng.random() < self.incident_probability:
            seconds += rng.randint(*self.incident_range_s)
        return max(1, round(seconds))

    def service_s(self, *, planned_s: int, key: str) -> int:
        rng = self.rng("service", key)
        return max(
            self.min_service_s, round(planned_s * math.exp(rng.gauss(0, self.service_sigma)))
        )

    def fails(self, *, key: str) -> bool:
        return self.rng("failure", key).random() < self.failure_probability

    def failed_attempt_s(self, *, key: str) -> int:
        return self.rng("failure-time", key).randint(*self.failed_attempt_range_s)

    def late_start_s(self, *, key: str) -> int:
        rng = self.rng("late-start", key)
        return (
            rng.randint(*self.late_start_range_s)
            if rng.random() < self.late_start_probability
            else 0
        )

    def gps_offset(self, *, key: str) -> tuple[float, float]:
        """Metres north and east of the true position."""
        rng = self.rng("gps", key)
        return rng.gauss(0, self.gps_sigma_m), rng.gauss(0, self.gps_sigma_m)


@dataclass(frozen=True)
class SimStop:
    key: int  # the routing Stop id
    ref: str  # stable name for the noise draws (the order reference)
    point: Point
    service_s: int
    window_start: dt.datetime | None = None
    arrived_at: dt.datetime | None = None  # already reached (a resumed route)


@dataclass(frozen=True)
class SimBreak:
    start: dt.datetime
    duration_s: int


@dataclass(frozen=True)
class SimRoute:
    key: int  # the routing Route id
    driver: str  # username: the noise key of the driver's bias and the API login
    origin: Point
    start_at: dt.datetime
    tz: dt.tzinfo
    stops: tuple[SimStop, ...]
    breaks: tuple[SimBreak, ...] = ()
    started: bool = False  # resumed mid-route: no start action, no late start
    day: str = ""  # part of every noise key, so two days of one driver differ


@dataclass(frozen=True, order=True)
class SimEvent:
    """One thing a driver's phone sends. Ordered by time, then route, then position in the
    route's own sequence — a total order, so replays are identical."""

    at: dt.datetime
    route: int
    seq: int
    kind: str = field(compare=False)  # start | ping | arrive | deliver | fail
    stop: int | None = field(default=None, compare=False)
    latitude: float = field(default=0.0, compare=False)
    longitude: float = field(default=0.0, compare=False)
    speed_kmh: float | None = field(default=None, compare=False)
    heading_deg: float | None = field(default=None, compare=False)


LegModel = Callable[[Point, Point, dt.datetime], float]


def bearing_deg(a: Point, b: Point) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return math.degrees(math.atan2(y, x)) % 360


def _offset(point: Point, north_m: float, east_m: float) -> Point:
    lat = point[0] + math.degrees(north_m / EARTH_RADIUS_M)
    lon = point[1] + math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(point[0]))))
    return lat, lon


class _Timeline:
    def __init__(self, route: SimRoute, noise: NoiseModel, ping_every_s: int) -> None:
        self.route, self.noise, self.every = route, noise, ping_every_s
        self.events: list[SimEvent] = []
        self.next_ping: dt.datetime | None = None

    def add(self, at: dt.datetime, kind: str, point: Point, **extra) -> None:
        self.events.append(
            SimEvent(at, self.route.key, len(self.events), kind, latitude=point[0],
                     longitude=point[1], **extra)
        )  # fmt: skip

    def pings_until(self, until: dt.datetime, where: Callable[[dt.datetime], tuple]) -> None:
        """Pings every `every` seconds up to (excluding) `until`; `where(t)` gives
        (point, speed_kmh, heading) at t."""
        while self.next_ping is not None and self.next_ping < until:
            point, speed, heading = where(self.next_ping)
            key = f"{self.route.day}|{self.route.driver}|{self.next_ping.isoformat()}"
            north, east = self.noise.gps_offset(key=key)
            self.add(
                self.next_ping,
                "ping",
                _offset(point, north, east),
                speed_kmh=round(speed, 1),
                heading_deg=None if heading is None else round(heading, 1),
            )
            self.next_ping += dt.timedelta(seconds=self.every)

    def stay(self, point: Point, until: dt.datetime) -> None:
        self.pings_until(until, lambda _t: (point, 0.0, None))

    def drive(self, a: Point, b: Point, depart: dt.datetime, arrive: dt.datetime) -> None:
        total = (arrive - depart).total_seconds()
        heading = bearing_deg(a, b) if a != b else None
        speed = haversine_m(a, b) / total * 3.6 if total > 0 else 0.0

        def where(t: dt.datetime):
            share = min(1.0, max(0.0, (t - depart).total_seconds() / total)) if total else 1.0
            point = (a[0] + (b[0] - a[0]) * share, a[1] + (b[1] - a[1]) * share)
            return point, speed, heading

        self.pings_until(arrive, where)


def route_timeline(
    route: SimRoute,
    noise: NoiseModel,
    leg_model_s: LegModel,
    *,
    ping_every_s: int = 30,
    until: dt.datetime | None = None,
) -> list[SimEvent]:
    """Everything the driver's phone sends for `route`, in time order: "start" (after a
    possible late start), a ping every `ping_every_s` seconds while the route runs (along
    straight segments between stops; still at a stop while serving, waiting or on a break),
    and for each stop "arrive" then "deliver" or "fail". `leg_model_s(a, b, depart_at)` is the
    travel-time model (the optimiser's provider); reality is that times the noise model.
    Stops with `arrived_at` were reached before (a resumed route): only their completion is
    sent, at once."""
    tl = _Timeline(route, noise, ping_every_s)
    day = f"{route.day}|{route.driver}"
    clock = route.start_at
    if not route.started:
        clock += dt.timedelta(seconds=noise.late_start_s(key=day))
        tl.add(clock, "start", route.origin)
    tl.next_ping = clock
    here = route.origin
    breaks = sorted(route.breaks, key=lambda b: b.start)
    for stop in route.stops:
        key = f"{route.day}|{stop.ref}"
        if stop.arrived_at is None:
            model_s = leg_model_s(here, stop.point, clock)
            hour = clock.astimezone(route.tz).hour
            travel = noise.travel_s(model_s=model_s, hour=hour, driver=route.driver, key=key)
            arrive = clock + dt.timedelta(seconds=travel)
            tl.drive(here, stop.point, clock, arrive)
            tl.add(arrive, "arrive", stop.point, stop=stop.key)
        else:
            arrive = max(clock, stop.arrived_at)
        service_start = max(arrive, stop.window_start or arrive)
        if noise.fails(key=key):
            done = service_start + dt.timedelta(seconds=noise.failed_attempt_s(key=key))
            kind = "fail"
        else:
            service = noise.service_s(planned_s=stop.service_s, key=key)
            done = service_start + dt.timedelta(seconds=service)
            kind = "deliver"
        tl.stay(stop.point, done)
        tl.add(done, kind, stop.point, stop=stop.key)
        clock, here = done, stop.point
        while breaks and breaks[0].start <= clock:
            pause = breaks.pop(0)
            clock += dt.timedelta(seconds=pause.duration_s)
            tl.stay(here, clock)
        if until is not None and clock > until:
            break
    return tl.events


def merge_timelines(timelines: Sequence[Sequence[SimEvent]]) -> list[SimEvent]:
    """All routes' events in one total order (time, route, sequence)."""
    return sorted(e for tl in timelines for e in tl)


class SimClock:
    """Simulated time running `speed` times faster than the real clock `real()` (seconds,
    monotonic). `jump_to` skips idle stretches (nobody on the road) without waiting."""

    def __init__(
        self,
        start: dt.datetime,
        *,
        speed: float = 1.0,
        real: Callable[[], float] = time.monotonic,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs an aware start time")
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed, self._real = speed, real
        self._anchor_sim, self._anchor_real = start, real()

    def now(self) -> dt.datetime:
        elapsed = (self._real() - self._anchor_real) * self.speed
        return self._anchor_sim + dt.timedelta(seconds=elapsed)

    def real_seconds_until(self, at: dt.datetime) -> float:
        """How long (real seconds) until the simulated clock shows `at`; 0 if it already has."""
        return max(0.0, (at - self.now()).total_seconds() / self.speed)

    def jump_to(self, at: dt.datetime) -> None:
        """Move simulated time forward to `at` (never backwards)."""
        if at > self.now():
            self._anchor_sim, self._anchor_real = at, self._real()


def upload_batches(events: Sequence[SimEvent], *, upload_every_s: int) -> list[tuple]:
    """Group a route's pings the way a phone uploads them: pings collected since the last
    upload are sent every `upload_every_s` seconds, and always just before an action (so the
    server never sees an arrival before the pings that led there). Returns (at, route, seq,
    payload) tuples in time order, where payload is a list of pings or one action event."""
    out: list[tuple] = []
    pending: list[SimEvent] = []
    next_upload: dt.datetime | None = None
    for event in events:
        if event.kind == "ping":
            if next_upload is not None and event.at >= next_upload and pending:
                out.append((pending[-1].at, event.route, pending[-1].seq, pending))
                pending = []
            if not pending:
                next_upload = event.at + dt.timedelta(seconds=upload_every_s)
            pending.append(event)
            continue
        if pending:
            out.append((pending[-1].at, event.route, pending[-1].seq, pending))
            pending = []
        out.append((event.at, event.route, event.seq, event))
    if pending:
        out.append((pending[-1].at, pending[-1].route, pending[-1].seq, pending))
    return out


def horizon_observation_times(
    arrivals: dict[int, dt.datetime], horizons_s: Sequence[int]
) -> list[tuple[dt.datetime, int, int]]:
    """(when, stop, horizon): the instants at which the benchmark reads each stop's ETA."""
    out = [
        (at - dt.timedelta(seconds=h), stop, h) for stop, at in arrivals.items() for h in horizons_s
    ]
    out.sort()
    return out
