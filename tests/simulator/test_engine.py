"""The simulator's pure logic: seeded noise, route timelines, the simulated clock."""

import datetime as dt
import zoneinfo

import pytest

from simulator.engine import (
    NoiseModel,
    SimBreak,
    SimClock,
    SimRoute,
    SimStop,
    route_timeline,
    upload_batches,
)

TZ = zoneinfo.ZoneInfo("Europe/Berlin")
DEPOT = (52.52, 13.405)
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=TZ)


def flat_model(a, b, depart_at):
    """Ten minutes per leg, whatever the points (easy to reason about)."""
    return 600.0


def make_route(key=1, driver="dirk", stops=3, **kwargs):
    return SimRoute(
        key=key,
        driver=driver,
        origin=DEPOT,
        start_at=T0,
        tz=TZ,
        stops=tuple(
            SimStop(key=10 * key + n, ref=f"ORD-{key}-{n}", point=(52.5 + n / 100, 13.4),
                    service_s=300)
            for n in range(stops)
        ),
        day="2026-03-02",
        **kwargs,
    )  # fmt: skip


def calm(**overrides):
    """No noise at all: the timeline follows the model exactly."""
    values = {
        "traffic": (1.0,) * 24, "driver_bias_sigma": 0, "leg_sigma": 0, "incident_probability": 0,
        "service_sigma": 0, "failure_probability": 0, "late_start_probability": 0, "gps_sigma_m": 0,
    }  # fmt: skip
    values.update(overrides)
    return NoiseModel(**values)


def test_same_seed_gives_the_same_pings_and_outcomes():
    routes = [make_route(1), make_route(2, driver="lena")]
    first = [route_timeline(r, NoiseModel(seed=7), flat_model) for r in routes]
    again = [route_timeline(r, NoiseModel(seed=7), flat_model) for r in reversed(routes)]
    assert first == list(reversed(again))  # order of simulation does not matter
    other = [route_timeline(r, NoiseModel(seed=8), flat_model) for r in routes]
    assert other != first


def test_without_noise_the_day_follows_the_plan_minute_by_minute():
    events = route_timeline(make_route(), calm(), flat_model, ping_every_s=60)
    actions = [(e.kind, e.stop, e.at.strftime("%H:%M")) for e in events if e.kind != "ping"]
    assert actions == [
        ("start", None, "08:00"),
        ("arrive", 10, "08:10"), ("deliver", 10, "08:15"),
        ("arrive", 11, "08:25"), ("deliver", 11, "08:30"),
        ("arrive", 12, "08:40"), ("deliver", 12, "08:45"),
    ]  # fmt: skip
    pings = [e for e in events if e.kind == "ping"]
    assert len(pings) == 45  # one a minute from 08:00 to 08:44
    # Half way along the first leg the van is half way between the depot and the stop.
    five_past = next(p for p in pings if p.at == T0 + dt.timedelta(minutes=5))
    assert five_past.latitude == pytest.approx((DEPOT[0] + 52.5) / 2)
    assert five_past.speed_kmh > 0
    assert events == sorted(events)


def test_early_arrival_waits_for_the_window_and_the_break_is_taken():
    route = make_route(stops=2)
    stops = (route.stops[0], SimStop(key=11, ref="late", point=(52.51, 13.4), service_s=300,
                                     window_start=T0 + dt.timedelta(hours=1)))  # fmt: skip
    route = SimRoute(**{**route.__dict__, "stops": stops,
                        "breaks": (SimBreak(T0 + dt.timedelta(minutes=12), 1800),)})  # fmt: skip
    events = [e for e in route_timeline(route, calm(), flat_model) if e.kind != "ping"]
    times = {(e.kind, e.stop): e.at for e in events}
    # Stop 10 done 08:15, then a 30 min break, 10 min drive: arrives 08:55, waits until 09:00.
    assert times[("arrive", 11)] == T0 + dt.timedelta(minutes=55)
    assert times[("deliver", 11)] == T0 + dt.timedelta(minutes=65)


def test_noise_makes_late_starts_failures_and_slow_drivers():
    noise = NoiseModel(seed=1, failure_probability=1.0, late_start_probability=1.0)
    events = route_timeline(make_route(), noise, flat_model)
    assert events[0].kind == "start" and events[0].at > T0
    assert {e.kind for e in events if e.stop} == {"arrive", "fail"}
    biases = [NoiseModel(seed=1).driver_bias(f"d{n}") for n in range(200)]
    assert min(biases) < 0.9 and max(biases) > 1.1  # drivers differ, around 1
    assert 0.95 < sum(biases) / len(biases) < 1.05


def test_a_resumed_route_completes_the_arrived_stop_first_without_starting_again():
    route = make_route(stops=2, started=True)
    arrived = SimStop(key=10, ref="a", point=(52.5, 13.4), service_s=300, arrived_at=T0)
    route = SimRoute(**{**route.__dict__, "stops": (arrived, route.stops[1])})
    kinds = [(e.kind, e.stop) for e in route_timeline(route, calm(), flat_model) if e.stop]
    assert kinds == [("deliver", 10), ("arrive", 11), ("deliver", 11)]


def test_pings_are_uploaded_in_batches_and_always_before_an_action():
    events = route_timeline(make_route(stops=1), calm(), flat_model, ping_every_s=30)
    batches = upload_batches(events, upload_every_s=120)
    kinds = ["pings" if isinstance(p, list) else p.kind for _at, _r, _s, p in batches]
    assert kinds[0] == "start"
    assert kinds[kinds.index("arrive") - 1] == "pings"
    sizes = [len(p) for *_rest, p in batches if isinstance(p, list)]
    assert max(sizes) == 4 and sum(sizes) == sum(e.kind == "ping" for e in events)
    assert [b[0] for b in batches] == sorted(b[0] for b in batches)


class FakeReal:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_simulated_clock_runs_at_its_speed_and_jumps_forward_only():
    real = FakeReal()
    clock = SimClock(T0, speed=60, real=real)
    real.t += 10  # ten real seconds = ten simulated minutes
    assert clock.now() == T0 + dt.timedelta(minutes=10)
    assert clock.real_seconds_until(T0 + dt.timedelta(minutes=12)) == pytest.approx(2.0)
    assert clock.real_seconds_until(T0) == 0
    clock.jump_to(T0 + dt.timedelta(hours=2))
    assert clock.now() == T0 + dt.timedelta(hours=2)
    clock.jump_to(T0)  # never backwards
    assert clock.now() == T0 + dt.timedelta(hours=2)
    real.t += 1
    assert clock.now() == T0 + dt.timedelta(hours=2, minutes=1)
    with pytest.raises(ValueError):
        SimClock(T0.replace(tzinfo=None))
    with pytest.raises(ValueError):
        SimClock(T0, speed=0)
