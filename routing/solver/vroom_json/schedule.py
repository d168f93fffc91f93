"""Times for a route whose order is decided: as VROOM reports them, with no needless waiting.

Engines decide the order of tasks and where breaks fall; their clock times may start a route
far earlier (or, without a vehicle time window, far later) than needed. Here a route is timed
again in three passes over that fixed order: the earliest schedule from the start of the
vehicle's window gives the earliest end; a backward pass gives the latest departure that still
ends then; a forward pass from that departure gives VROOM-like times (waiting only where a
window forces it). A break may be taken on the road: the vehicle drives until the break's
window opens (VROOM does the same), so it never arrives later for having stopped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Event:
    """A task (travel leads to it) or a break (taken on the road to the next task)."""

    item: object  # Task, BreakSpec, or None for the route's end
    windows: list[tuple[int, int]]
    duration: int  # setup + service, or the break's length
    travel: int = 0  # tasks and the end: the leg's travel time from the last place
    distance: int = 0
    arrival: int = 0
    start: int = 0
    travelled: int = 0  # breaks: travel of the current leg done before the break
    loc: int = 0  # tasks and the end: row in the location matrices, and the leg's origin
    prev: int = 0


@dataclass
class Leg:
    breaks: list[Event]
    target: Event  # a task, or the end (item None)


def _earliest_point(windows, t: int) -> int:
    for a, b in windows:
        if t <= b:
            return max(t, a)
    return t  # past every window: the checker of the output says so


def _latest_point(windows, bound: int) -> int | None:
    if not windows:
        return bound
    inside = [min(b, bound) for a, b in windows if a <= bound]
    return max(inside) if inside else None


def forward(legs: list[Leg], t: int) -> int:
    """Earliest times leaving the start at `t`; returns the arrival at the end."""
    for leg in legs:
        left = leg.target.travel
        for b in leg.breaks:
            opens = b.windows[0][0] if b.windows else t
            moved = min(left, max(opens - t, 0))
            left -= moved
            b.travelled = leg.target.travel - left
            b.arrival = t + moved
            b.start = max(b.arrival, opens)
            t = b.start + b.duration
        leg.target.arrival = t + left
        leg.target.start = _earliest_point(leg.target.windows, leg.target.arrival)
        t = leg.target.start + leg.target.duration
    return legs[-1].target.arrival


def latest_departure(legs: list[Leg], end: int) -> int | None:
    """The latest time to leave the start and still reach the end by `end`; None if none
    exists. Mirror of forward(): a break is pushed as early as its window's close demands by
    driving after it rather than before."""
    latest = end
    for k in range(len(legs) - 1, -1, -1):
        leg = legs[k]
        latest = _latest_point(leg.target.windows, latest)
        if latest is None:
            return None
        left = leg.target.travel
        for b in reversed(leg.breaks):
            closes = b.windows[0][1] if b.windows else latest - b.duration
            moved = min(left, max(latest - b.duration - closes, 0))
            left -= moved
            latest = min(latest - moved - b.duration, closes)
            if b.windows and latest < b.windows[0][0]:
                return None
        latest -= left
        if k:
            latest -= legs[k - 1].target.duration
    return latest


def timeline(legs: list[Leg], earliest_start: int) -> int:
    """Fill every event's arrival and start; returns the departure from the start."""
    end = forward(legs, earliest_start)
    depart = latest_departure(legs, end)
    if depart is None or depart < earliest_start:
        depart = earliest_start
    if forward(legs, depart) > end:  # never later than the earliest end
        depart = earliest_start
        forward(legs, depart)
    return depart
