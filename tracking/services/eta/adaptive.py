"""ETA windows that widen within a day that runs unlike the learned ones, horizon by horizon
(adaptive conformal inference, after Gibbs & Candès 2021, on the window's scale rather than
its level).

The windows of a day are cut before it starts (`windows.py`), so a day slower than the
learned ones misses its windows all day long. Here every arrival of the day moves one number
per horizon bucket (the buckets the windows are cut in, tracking.eta.HORIZON_EDGES_S), the log
of a scale applied to that bucket's spread around its centre:

    log_scale[b] += TRACKING_ETA_ADAPT_RATE x (share of the arrival's windows shown between
                                               bucket b's edges before it that it fell outside
                                               - (1 - TRACKING_ETA_COVERAGE))

The windows an arrival is judged by are the ones its customer was shown every SAMPLE_STEP_S
before it (as for the error samples), each in the bucket of its time before the arrival, so
a missed arrival widens what is promised next at the horizons it was missed at, and an
arrival inside its windows narrows them a little; on a day like the learned ones the two
balance at the coverage setting in every bucket. One scale per bucket rather than one for all
horizons: a day can hold its short windows and miss its long ones (a pace that shows only
over an hour), and a single number would then widen the windows that held, or narrow the
ones that did not, and leave coverage off at both ends. The scales are global (all depots),
start at 1 every morning (keys per day in the cache) and stay within SCALE_BOUNDS.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right

from django.core.cache import cache

from tracking import conf
from tracking.eta import HORIZON_EDGES_S
from tracking.models import EtaRecord

# Kept within these: a day may double its windows, or take a third off them, no more.
SCALE_BOUNDS = (2 / 3, 2.0)
# The log-scale is kept in the cache as an integer (atomic increments) in these units.
UNITS = 1_000_000
CACHE_KEY = "tracking:eta:adapt:v2:{}:{}"
CACHE_S = 2 * 24 * 3600
BUCKETS = range(len(HORIZON_EDGES_S) + 1)


def bucket_of(horizon_s: float) -> int:
    """The horizon bucket of `horizon_s` seconds ahead, as the windows are cut
    (PostgreSQL's width_bucket over HORIZON_EDGES_S: 0 below the first edge)."""
    return bisect_right(HORIZON_EDGES_S, horizon_s)


def _key(day: dt.date, bucket: int) -> str:
    return CACHE_KEY.format(day.isoformat(), bucket)


def miss_shares(*, arrived_at: dt.datetime, shown: list[tuple[int, EtaRecord]]) -> dict[int, float]:
    """Per horizon bucket, the share of the windows in `shown` ((seconds before the arrival,
    the ETA in force then)) between its edges that did not hold `arrived_at`; a bucket
    without a window shown is absent."""
    by_bucket: dict[int, list[bool]] = {}
    for step, record in shown:
        missed = not record.eta_low <= arrived_at <= record.eta_high
        by_bucket.setdefault(bucket_of(step), []).append(missed)
    return {bucket: sum(misses) / len(misses) for bucket, misses in by_bucket.items()}


def scales_update(*, day: dt.date, shares_missed: dict[int, float]) -> dict[int, float]:
    """Move `day`'s scale of each bucket in `shares_missed` by one arrival that fell outside
    that share of its windows there (see the module docstring); returns the new scales of
    those buckets."""
    rate = conf.get("TRACKING_ETA_ADAPT_RATE")
    if rate <= 0 or not shares_missed:
        return dict.fromkeys(shares_missed, 1.0)
    from tracking.services.eta.windows import coverage_setting

    expected = 1 - coverage_setting()
    # Bounded in the stored value too, so a long run of misses does not have to be paid back
    # by as long a run of hits before the windows narrow again.
    low, high = (round(math.log(b) * UNITS) for b in SCALE_BOUNDS)
    out = {}
    for bucket, share in sorted(shares_missed.items()):
        key = _key(day, bucket)
        cache.add(key, 0, CACHE_S)
        value = cache.incr(key, round(rate * (share - expected) * UNITS))
        if not low <= value <= high:
            bounded = min(max(value, low), high)
            cache.incr(key, bounded - value)
            value = bounded
        out[bucket] = math.exp(value / UNITS)
    return out


def scales_current(*, day: dt.date) -> dict[int, float]:
    """`day`'s scale of every horizon bucket so far (1 with adaptation off, or in a bucket no
    arrival moved yet)."""
    if conf.get("TRACKING_ETA_ADAPT_RATE") <= 0:
        return dict.fromkeys(BUCKETS, 1.0)
    values = cache.get_many([_key(day, bucket) for bucket in BUCKETS])
    low, high = SCALE_BOUNDS
    return {
        bucket: min(max(math.exp((values.get(_key(day, bucket)) or 0) / UNITS), low), high)
        for bucket in BUCKETS
    }
