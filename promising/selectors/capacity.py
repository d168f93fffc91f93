"""Delivery slots per depot and day, and how full they are.

A day's capacity in stops comes from routing (`routing.capacity.depot_capacity_outlook`: the
shifts booked at the depot x stops per driver hour, and the volume forecast). Its slots are
windows of the depot's window length laid from the first shift's start (rounded up to the
hour) to the last shift's end; each slot gets an equal share of the day's capacity. What is
committed: the depot's orders whose window falls on the day (an order counts in every slot
its window overlaps, split by overlap) and the holds still live.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache

from orders.models import CustomerOrder, OrderStatus
from promising import conf
from promising.models import PromiseReservation
from promising.selectors.inputs import DepotRules
from promising.selectors.quotes import quote_version
from routing.capacity import depot_capacity_outlook
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


def depot_days(
    *, rules: DepotRules, start: dt.date, days: int, now: dt.datetime, exclude_hold: int = 0
) -> list[DayCapacity]:
    """The days from `start` with their capacity, slots and what is committed. Five queries."""
    warehouse, tz = rules.warehouse, rules.warehouse.tzinfo
    outlook = depot_capacity_outlook(depot=warehouse, start=start, days=days)
    spans: dict[dt.date, tuple[dt.datetime, dt.datetime]] = {}
    for day, begin, end in Shift.objects.filter(
        vehicle__depot=warehouse, date__gte=start, date__lt=start + dt.timedelta(days=days)
    ).values_list("date", "start_time", "end_time"):
        begin = dt.datetime.combine(day, begin, tzinfo=tz)
        end = dt.datetime.combine(day, end, tzinfo=tz)
        known = spans.get(day)
        spans[day] = (min(begin, known[0]), max(end, known[1])) if known else (begin, end)
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
        span = spans.get(cap.date)
        if span:
            day.first_start = span[0]
            begin = _ceil_hour(span[0])
            while begin + width <= span[1]:
                day.slots.append(Slot(begin, begin + width, 0.0))
                begin += width
            for slot in day.slots:
                slot.capacity = cap.capacity_stops / len(day.slots)
            for begin, end in by_day.get(cap.date, []):
                _spread(day.slots, begin, end)
        out.append(day)
    return out


def depot_days_quoted(
    *, rules: DepotRules, start: dt.date, days: int, now: dt.datetime
) -> list[DayCapacity]:
    """`depot_days` for quotes, through the quote cache (promising.selectors.quotes). A quote
    may miss an order another channel booked seconds ago; holding re-checks the slot exactly
    (`depot_days`, under the lock)."""
    ttl = conf.get("PROMISING_QUOTE_CACHE_S")
    if ttl <= 0:
        return depot_days(rules=rules, start=start, days=days, now=now)
    pk = rules.warehouse.pk
    key = (
        f"promising:days:{pk}:{quote_version(pk)}:{start.isoformat()}:{days}:{rules.window_minutes}"
    )
    cached = cache.get(key)
    if cached is None:
        cached = depot_days(rules=rules, start=start, days=days, now=now)
        cache.set(key, cached, ttl)
    return cached
