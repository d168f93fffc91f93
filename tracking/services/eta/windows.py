"""ETA windows that hold on days the engine has not learned from (split conformal, per horizon).

- When a stop is reached, the ETA in force every SAMPLE_STEP_S before the arrival (back to the
  first ETA given, at most SAMPLE_MAX_S) becomes one error sample: actual arrival - model
  arrival, at that time before the arrival. Every arrival weighs the same at every horizon,
  as for customers who look at their page at any moment. (`samples_build`)
- Horizons are times before the actual arrival, as customers live them ("15 minutes before
  the van came, was it inside the window?"); the engine applies a window at the time to the
  arrival it predicts. Cut by its own predicted horizon instead, a window would have to
  hold, at 15 minutes, the van that then came 40 minutes late, which 15 minutes before an
  arrival cannot happen: windows too wide close in, too narrow far out.
- Once a day (`eta_windows_refresh`, a beat task), each horizon bucket gets the shortest
  interval that holds TRACKING_ETA_COVERAGE of the errors of arrivals on the previous
  TRACKING_ETA_SAMPLE_DAYS days — before the day starts, so a day's windows never learned from
  its own arrivals. A bucket measured on fewer than TRACKING_ETA_WINDOW_MIN_ARRIVALS arrivals
  keeps the prior (tracking.eta.prior_half_width_s).
- The engine uses the newest day's windows up to today (`eta_windows_current`), or the prior
  on a fresh install.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from bisect import bisect_right

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from tracking import clock, conf
from tracking.eta import (
    HORIZON_EDGES_S,
    ErrorWindows,
    HorizonWindow,
    bucket_horizons_s,
    prior_half_width_s,
    prior_windows,
)
from tracking.models import EtaErrorSample, EtaRecord, EtaWindow
from tracking.services.eta import adaptive, drift

SAMPLE_STEP_S = 300
SAMPLE_MAX_S = 6 * 3600
# Asymmetric splits of the share a window leaves out (see `candidate_ranks`).
SPLITS = 8
CACHE_KEY = "tracking:eta:windows:v4:{}"
CACHE_S = 300


def coverage_setting() -> float:
    coverage = conf.get("TRACKING_ETA_COVERAGE")
    if not 0 < coverage < 1:
        raise ImproperlyConfigured(
            f"TRACKING_ETA_COVERAGE must be between 0 and 1 (exclusive), not {coverage}"
        )
    return coverage


def window_day(at: dt.datetime) -> dt.date:
    """The day whose windows apply at `at` (in TIME_ZONE, where the beat schedule runs)."""
    return timezone.localtime(at).date()


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def samples_build(
    *, stop, arrived_at: dt.datetime, records: list[EtaRecord]
) -> list[EtaErrorSample]:
    """The error samples of one arrival (see the module docstring) from the ETAs given for it
    (`records`, any order): SAMPLE_STEP_S, 2 x SAMPLE_STEP_S... before the arrival, the error of
    the ETA in force then (the last one computed by then: a newer ETA that moved by less than
    TRACKING_ETA_HISTORY_MIN_CHANGE_S is not recorded, so the error is the customer's within
    that much), at that horizon."""
    return [
        EtaErrorSample(
            stop=stop,
            horizon_s=step,
            error_s=round((arrived_at - record.eta).total_seconds()),
            shift_s=record.shift_s,
            arrived_at=arrived_at,
        )
        for step, record in records_in_force(arrived_at=arrived_at, records=records)
    ]


def records_in_force(
    *, arrived_at: dt.datetime, records: list[EtaRecord]
) -> list[tuple[int, EtaRecord]]:
    """(seconds before the arrival, the ETA in force then) every SAMPLE_STEP_S before
    `arrived_at`, back to the first ETA given (at most SAMPLE_MAX_S)."""
    given = sorted((r for r in records if r.computed_at <= arrived_at), key=lambda r: r.computed_at)
    times = [r.computed_at for r in given]
    out = []
    for step in range(SAMPLE_STEP_S, SAMPLE_MAX_S + 1, SAMPLE_STEP_S):
        index = bisect_right(times, arrived_at - dt.timedelta(seconds=step)) - 1
        if index < 0:
            break
        out.append((step, given[index]))
    return out


def candidate_ranks(n: int, coverage: float, splits: int = SPLITS) -> list[tuple[int, int]]:
    """The (first, last) ranks (1-based, in sorted errors) of the candidate windows over `n`
    errors: each holds m = ceil((n + 1) x coverage) of them (split conformal's finite-sample
    rank, at most n), the share left out split between the early and the late side in
    `splits` + 1 steps, from all late to all early; most central first."""
    m = min(n, math.ceil((n + 1) * coverage))
    firsts = sorted(
        {1 + round(k * (n - m) / splits) for k in range(splits + 1)},
        key=lambda r: (abs(2 * r - (n - m + 2)), r),
    )
    return [(r, r + m - 1) for r in firsts]


def _measured(*, since: dt.datetime, until: dt.datetime, coverage: float) -> dict[int, dict]:
    """Per horizon bucket (0..len(HORIZON_EDGES_S)), from the samples of arrivals in
    [since, until): how many samples and arrivals, their mean horizon and median model error,
    and the narrowest of the `candidate_ranks` windows (a few asymmetric splits rather than
    the narrowest of all: skewed errors get a window where they are dense, without fitting
    the noise of one sample). Two queries, whatever the volume."""
    table = EtaErrorSample._meta.db_table
    params: dict = {"edges": list(HORIZON_EDGES_S), "since": since, "until": until}
    samples = f"""
        SELECT width_bucket(horizon_s, %(edges)s::int[]) AS bucket, stop_id, horizon_s,
               error_s + shift_s AS e
        FROM {table} WHERE arrived_at >= %(since)s AND arrived_at < %(until)s
    """  # noqa: S608 (table name from the model, values as parameters)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT bucket, count(*), count(DISTINCT stop_id), avg(horizon_s),
                   percentile_disc(0.5) WITHIN GROUP (ORDER BY e)
            FROM ({samples}) AS s GROUP BY bucket
            """,  # noqa: S608
            params,
        )
        out = {
            bucket: {"samples": n, "arrivals": arrivals, "horizon_s": float(h), "centre_s": median}
            for bucket, n, arrivals, h, median in cursor.fetchall()
        }
        if not out:
            return out
        # percentile_disc(f) is the ceil(f x n)-th smallest of n: (r - 0.5) / n gives the r-th
        # whatever the rounding of the division.
        ranks = {b: candidate_ranks(found["samples"], coverage) for b, found in out.items()}
        for b, pairs in ranks.items():
            params[f"b{b}"] = b
            params[f"f{b}"] = [(r - 0.5) / out[b]["samples"] for pair in pairs for r in pair]
        rows = ", ".join(f"(%(b{b})s, %(f{b})s::float8[])" for b in ranks)
        cursor.execute(
            f"""
            SELECT f.bucket, percentile_disc(f.fractions) WITHIN GROUP (ORDER BY s.e)
            FROM ({samples}) AS s JOIN (VALUES {rows}) AS f(bucket, fractions)
              ON f.bucket = s.bucket
            GROUP BY f.bucket, f.fractions
            """,  # noqa: S608
            params,
        )
        for bucket, ends in cursor.fetchall():
            pairs = list(zip(ends[::2], ends[1::2], strict=True))
            low, high = min(pairs, key=lambda p: p[1] - p[0])  # first: the most central
            out[bucket].update(low_s=low, high_s=high)
    return out


def eta_windows_refresh(*, day: dt.date | None = None, force: bool = False) -> list[EtaWindow]:
    """Cut `day`'s windows (today's by default) from the errors of arrivals before it (see the
    module docstring). Safe to run any number of times: a day's windows are cut once for the
    coverage setting (again only with `force`, or when the setting changed) and every run
    gives the same rows, since no arrival before the day can still be added to them."""
    coverage = coverage_setting()
    now = clock.now()
    day = day or window_day(now)
    existing = list(EtaWindow.objects.filter(day=day).order_by("horizon_from_s"))
    if existing and not force and all(w.coverage == coverage for w in existing):
        return existing
    until = day_start(day)
    since = until - dt.timedelta(days=conf.get("TRACKING_ETA_SAMPLE_DAYS"))
    measured = _measured(since=since, until=until, coverage=coverage)
    minimum = conf.get("TRACKING_ETA_WINDOW_MIN_ARRIVALS")
    base_s, share = conf.get("TRACKING_ETA_DEFAULT_BASE_S"), conf.get("TRACKING_ETA_DEFAULT_SHARE")
    rows = []
    for bucket, (start, middle) in enumerate(
        zip((0, *HORIZON_EDGES_S), bucket_horizons_s(), strict=True)
    ):
        found = measured.get(bucket, {})
        row = EtaWindow(
            day=day,
            horizon_from_s=start,
            coverage=coverage,
            samples=found.get("samples", 0),
            arrivals=found.get("arrivals", 0),
            computed_at=now,
        )
        if row.arrivals >= minimum and "low_s" in found:
            row.horizon_s = round(found["horizon_s"])
            row.low_s, row.high_s = found["low_s"], found["high_s"]
            row.centre_s = found["centre_s"]
        else:
            half = round(prior_half_width_s(middle, coverage=coverage, base_s=base_s, share=share))
            row.horizon_s, row.low_s, row.high_s, row.is_prior = round(middle), -half, half, True
        rows.append(row)
    with transaction.atomic():
        EtaWindow.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["day", "horizon_from_s"],
            update_fields=[
                "horizon_s",
                "coverage",
                "low_s",
                "high_s",
                "centre_s",
                "samples",
                "arrivals",
                "is_prior",
                "computed_at",
            ],
        )
    cache.delete(CACHE_KEY.format(day.isoformat()))
    return rows


def eta_windows_current(*, now: dt.datetime | None = None) -> ErrorWindows:
    """The windows the engine uses at `now`: the newest day's up to today, else the prior,
    each horizon's stretched about its centre by today's scale there (`adaptive.py`) and all
    moved by today's drift (`drift.py`). The learned rows are cached for CACHE_S (a refresh
    clears today's entry)."""
    day = window_day(now or clock.now())
    key = CACHE_KEY.format(day.isoformat())
    points = cache.get(key)
    if points is None:
        latest = (
            EtaWindow.objects.filter(day__lte=day).order_by("-day").values_list("day", flat=True)
        ).first()
        rows = EtaWindow.objects.filter(day=latest).order_by("horizon_s") if latest else []
        points = [
            (w.horizon_s, w.low_s, w.high_s, w.centre_s, adaptive.bucket_of(w.horizon_from_s))
            for w in rows
        ]
        cache.set(key, points, CACHE_S)
    today = drift.drift_current(day=day)
    if not points:
        prior = prior_windows(
            coverage=coverage_setting(),
            base_s=conf.get("TRACKING_ETA_DEFAULT_BASE_S"),
            share=conf.get("TRACKING_ETA_DEFAULT_SHARE"),
        )
        return dataclasses.replace(prior, drift=today)
    scales = adaptive.scales_current(day=day)
    return ErrorWindows(
        tuple(
            HorizonWindow(h, centre + s * (low - centre), centre + s * (high - centre), centre)
            for h, low, high, centre, bucket in points
            for s in [scales[bucket]]
        ),
        recentre=conf.get("TRACKING_ETA_RECENTRE"),
        drift=today,
    )
