"""Property: any small random problem yields a checker-valid plan (every stop routed or
unassigned with a reason), whatever mix of constraints it has."""

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solver_testkit import depot, planar

from routing.solver import Break, PickupDelivery, Stop, TimeWindow, Vehicle, check, solve

SKILLS = st.frozensets(st.sampled_from(["fridge", "lift"]), max_size=1)


@st.composite
def windows(draw):
    k = draw(st.integers(0, 2))
    out, t = [], 0
    for _ in range(k):
        t += draw(st.integers(0, 300))
        width = draw(st.integers(0, 200))
        out.append(TimeWindow(t, t + width))
        t += width + 1
    return tuple(out)


@st.composite
def problems(draw):
    n = draw(st.integers(1, 8))
    stops = [
        Stop(
            f"s{i}",
            (draw(st.integers(-100, 100)), draw(st.integers(-100, 100))),
            demand={"units": draw(st.integers(0, 6)), "kg": draw(st.integers(0, 6))},
            pickup={"units": draw(st.integers(0, 4))},
            windows=draw(windows()),
            service_s=draw(st.integers(0, 30)),
            skills=draw(SKILLS),
            optional=draw(st.booleans()),
            drop_penalty=draw(st.sampled_from([None, 1.0, 500.0])),
        )
        for i in range(n)
    ]
    pairs = []
    if n >= 2 and draw(st.booleans()):
        stops[0] = dataclasses.replace(stops[0], pickup={})  # a paired stop takes no return
        stops[1] = Stop("s1", stops[1].location, windows=stops[1].windows)
        pairs = [PickupDelivery("s0", "s1")]
    vehicles = []
    for k in range(draw(st.integers(1, 3))):
        brk = draw(st.sampled_from([(), (Break(100, 400, 30),)]))
        vehicles.append(
            Vehicle(
                f"v{k}",
                "D",
                capacity={"units": draw(st.integers(3, 15)), "kg": draw(st.integers(3, 15))},
                skills=draw(SKILLS),
                max_duration_s=draw(st.sampled_from([None, 400, 2000])),
                cost_per_hour=draw(st.sampled_from([0.0, 20.0])),
                fixed_cost=draw(st.sampled_from([0.0, 50.0])),
                breaks=brk,
            )
        )
    return planar([depot()], vehicles, stops, pairs=pairs)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_random_small_problems_always_get_a_checker_valid_plan(problem):
    sol = solve(problem, 0.2)
    assert check(problem, sol) == []
    routed = {sid for r in sol.routes for sid in r.stop_ids}
    assert routed | {u.stop_id for u in sol.unassigned} == {s.id for s in problem.stops}
    assert all(u.reason for u in sol.unassigned)
