"""How every moment is shown to a person: in the time zone of the place it happens at (a depot
or warehouse; `settings.TIME_ZONE` when there is none), 24-hour clock, one set of formats.

Stored times are UTC. The server's zone is only a fallback: a depot in Berlin shows Berlin time
on the board, the deliveries table, the order page and the customer's page alike. Pages that
can show places in different zones name the zone (`zone_label`)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import dateformat
from django.utils import timezone as django_timezone

DASH = "\u2013"  # en dash
TIME = "H:i"  # 14:05
DAY_TIME = "D j M, H:i"  # Tue 3 Mar, 14:05
DAY = "D j M"  # Tue 3 Mar
STAMP = "Y-m-d H:i"  # 2026-03-03 14:05 (logs, timelines, histories)


def zone(place) -> dt.tzinfo:
    """The zone of `place`: a tzinfo, a zone name, or anything with a `tzinfo` (a Warehouse)
    or a `timezone` name; the server's zone for None."""
    if place is None or place == "":
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)
    if isinstance(place, dt.tzinfo):
        return place
    if isinstance(place, str):
        return zoneinfo.ZoneInfo(place)
    tz = getattr(place, "tzinfo", None)
    if isinstance(tz, dt.tzinfo):
        return tz
    name = getattr(place, "timezone", None)
    if isinstance(name, str) and name:
        return zoneinfo.ZoneInfo(name)
    raise TypeError(f"no time zone for {place!r}")


def local(moment: dt.datetime | None, place) -> dt.datetime | None:
    """`moment` as wall-clock time at `place` (naive values are taken as UTC)."""
    if moment is None or moment == "":
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone(place))


def fmt(moment: dt.datetime | None, place, pattern: str = TIME) -> str:
    """`moment` at `place` in one of the formats above (Django date-format syntax); '' for
    None."""
    at = local(moment, place)
    return dateformat.format(at, pattern) if at is not None else ""


def hm(moment: dt.datetime | None, place) -> str:
    """'14:05' at `place`."""
    return fmt(moment, place, TIME)


def day_hm(moment: dt.datetime | None, place) -> str:
    """'Tue 3 Mar, 14:05' at `place`."""
    return fmt(moment, place, DAY_TIME)


def stamp(moment: dt.datetime | None, place) -> str:
    """'2026-03-03 14:05' at `place`: a record's time in a timeline or history."""
    return fmt(moment, place, STAMP)


def span(start: dt.datetime | None, end: dt.datetime | None, place) -> str:
    """'09:00-10:00' (with an en dash) at `place`; the end's day when it crosses midnight."""
    if start is None:
        return ""
    if end is None:
        return hm(start, place)
    a, b = local(start, place), local(end, place)
    if a.date() != b.date():
        return f"{hm(start, place)}{DASH}{day_hm(end, place)}"
    return f"{hm(start, place)}{DASH}{hm(end, place)}"


def zone_label(place) -> str:
    """The zone's name as people read it ('Europe/Berlin')."""
    return str(zone(place))


def zones_differ(places) -> bool:
    """Whether `places` are not all in one zone (then every time needs its zone named)."""
    return len({zone_label(p) for p in places}) > 1


def today(places, now: dt.datetime | None = None) -> dt.date:
    """The date at `now` (default: now) where `places` are when they share one zone (a board
    whose date filter reads each order's window in its warehouse's zone opens on that day), the
    server's otherwise."""
    zones = {zone_label(p) for p in places}
    name = zones.pop() if len(zones) == 1 else None
    return django_timezone.localdate(now, timezone=zone(name))
