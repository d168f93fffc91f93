"""How times are shown to customers: in the warehouse's zone (core.timefmt, like every page),
windows rounded outwards to five minutes ("between 14:10 and 14:40")."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from core import timefmt

ROUND_MIN = 5


def _floor(at: dt.datetime) -> dt.datetime:
    return at - dt.timedelta(
        minutes=at.minute % ROUND_MIN, seconds=at.second, microseconds=at.microsecond
    )


def _ceil(at: dt.datetime) -> dt.datetime:
    floored = _floor(at)
    return floored if floored == at else floored + dt.timedelta(minutes=ROUND_MIN)


def window_bounds(low: dt.datetime, high: dt.datetime, tz: zoneinfo.ZoneInfo):
    return _floor(low.astimezone(tz)), _ceil(high.astimezone(tz))


def window_text(low: dt.datetime | None, high: dt.datetime | None, tz: zoneinfo.ZoneInfo) -> str:
    """'between 14:10 and 14:40' (with the day when it is not the same day), or a single time."""
    if low is None:
        return ""
    if high is None:
        return timefmt.hm(low, tz)
    start, end = window_bounds(low, high, tz)
    day = f" on {timefmt.fmt(start, tz, timefmt.DAY)}"
    return f"between {timefmt.hm(start, tz)} and {timefmt.hm(end, tz)}{day}"
