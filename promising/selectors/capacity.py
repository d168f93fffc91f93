"""Delivery slots per depot and day, and how full they are.

A day's capacity in stops comes from routing (`routing.capacity.depot_capacity_outlook` with
`learned=True`: the shifts booked at the depot x the stops per driver hour its optimised plans
of recent days fitted, less a safety margin, or the flat setting without such history; and the
volume forecast). Its slots are
windows of the depot's window length laid from the first shift's start (rounded up to the
hour) to the last shift's end; each slot gets the share of the day's capacity that the driver
time worked within it bears to the day's (breaks spread over each shift). What is
committed: the depot's orders whose window falls on the day (an order counts in every slot
its window overlaps, split by overlap) and the holds still live.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from orders.models import CustomerOrder, OrderStatus
from promising import conf
from promising.models import PromiseReservation
from promising.selectors.inputs import DepotRules
from promising.selectors.quotes import cached, quote_version
from routing.capacity import depot_capacity_outlook, depot_capacity_version
from routing.fleet.selectors import shifts_workable
from routing.models import Shift


@dataclass
class Slot:
    start: dt.datetime
    end: dt.datetime
    capacity: float
    used: float = 0.0

    @property
    def free(self) -> float:
        return self.capacity - self.used


@dataclass
class DayCapacity:
    date: dt.date
    shifts: int
    capacity_stops: float
    committed: float  # orders booked for the day + live holds
    expected_stops: float  # the forecast (never below the orders booked)
    expected_stops_hi80: float
    has_forecast: bool
    first_start: dt.datetime | None = None
    slots: list[Slot] = field(default_factory=list)

    @property
    def is_full(self) -> bool:
        return self.committed + 1 > self.capacity_stops


def _ceil_hour(moment: dt.datetime) -> dt.datetime:
    floor = moment.replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + dt.timedelta(hours=1)


def _spread(slots: list[Slot], start: dt.datetime, end: dt.datetime) -> None:
    """Add one stop over the slots its window overlaps, in proportion to the overlap."""
    overlaps = [
        (slot, (min(end, slot.end) - max(start, slot.start)).total_seconds()) for slot in slots
    ]
    overlaps = [(slot, seconds) for slot, seconds in overlaps if seconds > 0]
    total = sum(seconds for _, seconds in overlaps)
    for slot, seconds in overlaps:
        slot.used += seconds / total


def _share(slots: list[Slot], shifts: list, capacity_stops: float) -> None:
    """Each slot's capacity: the day's, in proportion to the driver time worked within the
    slot (a slot only the early vans cover holds half what one all of them cover); driver
    time outside every slot is capacity no slot can sell."""
    worked = [(b, e, (e - b).total_seconds() * share) for b, e, share in shifts]
    total = sum(seconds for _, _, seconds in worked)
    if total <= 0:
        return
    for slot in slots:
        inside = sum(
            max((min(e, slot.end) - max(b, slot.start)).total_seconds(), 0)
            / (e - b).total_seconds()
            * seconds
            for b, e, seconds in worked
        )
        slot.capacity = capacity_stops * inside / total


def depot_days(
    *, rules: DepotRules, start: dt.date, days: int, now: dt.datetime, exclude_hold: int = 0
) -> list[DayCapacity]:
    """The days from `start` with their capacity, slots and what is committed. Six queries."""
    warehouse, tz = rules.warehouse, rules.warehouse.tzinfo
    outlook = depot_capacity_outlook(depot=warehouse, start=start, days=days, learned=True)
    # Each workable shift's span and the share of it worked (its break taken out).
    shifts: dict[dt.date, list[tuple[dt.datetime, dt.datetime, float]]] = {}
    booked = shifts_workable(
        Shift.objects.filter(
            vehicle__depot=warehouse, date__gte=start, date__lt=start + dt.timedelta(days=days)
        )
    )
    for day, begin, end, break_s in booked.values_list(
        "date", "start_time", "end_time", "break_duration_s"
    ):
        begin = dt.datetime.combine(day, begin, tzinfo=tz)
        end = dt.datetime.combine(day, end, tzinfo=tz)
        span_s = (end - begin).total_seconds()
        if span_s > 0:
            shifts.setdefault(day, []).append((begin, end, max(span_s - break_s, 0) / span_s))
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(start + dt.timedelta(days=days), dt.time.min, tzinfo=tz)
    windows = list(
        CustomerOrder.objects.filter(
            warehouse=warehouse, window_start__gte=since, window_start__lt=until
        )
        .exclude(status=OrderStatus.CANCELLED)
        .values_list("window_start", "window_end")
    )
    windows += list(
        PromiseReservation.objects.filter(
            warehouse=warehouse,
            status=PromiseReservation.Status.HELD,
            expires_at__gt=now,
            window_start__gte=since,
            window_start__lt=until,
        )
        .exclude(pk=exclude_hold)
        .values_list("window_start", "window_end")
    )
    by_day: dict[dt.date, list] = {}
    for begin, end in windows:
        by_day.setdefault(begin.astimezone(tz).date(), []).append((begin, end))
    width = dt.timedelta(minutes=rules.window_minutes)
    out = []
    for cap in outlook:
        day = DayCapacity(
            date=cap.date,
            shifts=cap.shifts,
            capacity_stops=cap.capacity_stops,
            committed=len(by_day.get(cap.date, [])),
            expected_stops=cap.expected_stops,
            expected_stops_hi80=cap.expected_stops_hi80,
            has_forecast=cap.has_forecast,
        )
        booked_today = shifts.get(cap.date)
        if booked_today:
            day.first_start = min(begin for begin, _, _ in booked_today)
            last_end = max(end for _, end, _ in booked_today)
            begin = _ceil_hour(day.first_start)
            while begin + width <= last_end:
                day.slots.append(Slot(begin, begin + width, 0.0))
                begin += width
            _share(day.slots, booked_today, cap.capacity_stops)
            for begin, end in by_day.get(cap.date, []):
                _spread(day.slots, begin, end)
        out.append(day)
    return out


def depot_days_quoted(
    *, rules: DepotRules, start: dt.date, days: int, now: dt.datetime, version: int | None = None
) -> list[DayCapacity]:
    """`depot_days` for quotes, through the quote cache (promising.selectors.quotes): keyed on
    the depot's quote version and routing's fingerprint of its shifts, so a hold, an order or
    a shift booked shows in the next quote. Holding re-checks the slot exactly (`depot_days`,
    under the lock). One query when cached."""
    ttl = conf.get("PROMISING_QUOTE_CACHE_S")
    if ttl <= 0:
        return depot_days(rules=rules, start=start, days=days, now=now)
    warehouse = rules.warehouse
    if version is None:
        version = quote_version(warehouse.pk)
    shifts = depot_capacity_version(depot=warehouse, start=start, days=days)
    key = (
        f"promising:days:{warehouse.pk}:{version}:{shifts}:"
        f"{start.isoformat()}:{days}:{rules.window_minutes}"
    )
    return cached(key, ttl, lambda: depot_days(rules=rules, start=start, days=days, now=now))
