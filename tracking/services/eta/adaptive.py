"""ETA windows that widen within a day that runs unlike the learned ones (adaptive conformal
inference, after Gibbs & Candès 2021, on the window's scale rather than its level).

The windows of a day are cut before it starts (`windows.py`), so a day slower than the
learned ones misses its windows all day long. Here every arrival of the day moves one
number, the log of a scale applied to the windows' spread around their centre:

    log_scale += TRACKING_ETA_ADAPT_RATE x (share of the arrival's windows it fell outside
                                            - (1 - TRACKING_ETA_COVERAGE))

The windows the arrival is judged by are the ones its customer was shown every SAMPLE_STEP_S
before it (as for the error samples), so a missed arrival widens what is promised next and
an arrival inside all of its windows narrows it a little; on a day like the learned ones the
two balance at the coverage setting. The scale is global (one per day, all depots), starts at
1 every morning (a key per day in the cache) and stays within SCALE_BOUNDS.
"""

from __future__ import annotations

import datetime as dt
import math

from django.core.cache import cache

from tracking import conf
from tracking.models import EtaRecord

# Kept within these: a day may double its windows, or take a third off them, no more.
SCALE_BOUNDS = (2 / 3, 2.0)
# The log-scale is kept in the cache as an integer (atomic increments) in these units.
UNITS = 1_000_000
CACHE_KEY = "tracking:eta:adapt:v1:{}"
CACHE_S = 2 * 24 * 3600


def _key(day: dt.date) -> str:
    return CACHE_KEY.format(day.isoformat())


def miss_share(*, arrived_at: dt.datetime, shown: list[EtaRecord]) -> float | None:
    """The share of the windows in `shown` (those in force every few minutes before the
    arrival) that did not hold `arrived_at`; None when none was shown."""
    if not shown:
        return None
    missed = sum(1 for r in shown if not r.eta_low <= arrived_at <= r.eta_high)
    return missed / len(shown)


def scale_update(*, day: dt.date, share_missed: float | None) -> float:
    """Move `day`'s scale by one arrival that fell outside `share_missed` of its windows
    (see the module docstring); returns the new scale."""
    rate = conf.get("TRACKING_ETA_ADAPT_RATE")
    if rate <= 0 or share_missed is None:
        return scale_current(day=day)
    from tracking.services.eta.windows import coverage_setting

    step = round(rate * (share_missed - (1 - coverage_setting())) * UNITS)
    key = _key(day)
    cache.add(key, 0, CACHE_S)
    value = cache.incr(key, step)
    # Bounded in the stored value too, so a long run of misses does not have to be paid back
    # by as long a run of hits before the windows narrow again.
    low, high = (round(math.log(b) * UNITS) for b in SCALE_BOUNDS)
    if not low <= value <= high:
        bounded = min(max(value, low), high)
        cache.incr(key, bounded - value)
        value = bounded
    return math.exp(value / UNITS)


def scale_current(*, day: dt.date) -> float:
    """The scale of `day`'s windows so far (1 with adaptation off or before any arrival)."""
    if conf.get("TRACKING_ETA_ADAPT_RATE") <= 0:
        return 1.0
    value = cache.get(_key(day)) or 0
    low, high = SCALE_BOUNDS
    return min(max(math.exp(value / UNITS), low), high)
