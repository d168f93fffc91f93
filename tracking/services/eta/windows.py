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
- Once a day (`eta_windows_refresh`, a beat task), each horizon bucket gets the shortest of a
  few intervals that hold TRACKING_ETA_COVERAGE of the errors of arrivals on the previous
  TRACKING_ETA_SAMPLE_DAYS days — before the day starts, so a day's windows never learned from
  its own arrivals. Recent days weigh more: an error d days old counts 0.5 ** (d /
  TRACKING_ETA_SAMPLE_HALF_LIFE_DAYS) (`_measured`), as the engine keeps learning and its
  first days' errors say little about today's. A bucket measured on fewer than
  TRACKING_ETA_WINDOW_MIN_ARRIVALS arrivals keeps the prior (tracking.eta.prior_half_width_s).
- The engine uses the newest day's windows up to today (`eta_windows_current`), or the prior
  on a fresh install.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
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
# Asymmetric splits of the share a window leaves out (see `candidate_levels`).
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


def candidate_levels(coverage: float, splits: int = SPLITS) -> list[tuple[float, float]]:
    """The (low, high) quantile levels of the candidate windows: each holds `coverage` of the
    (weighted) errors, the share left out split between the early and the late side in
    `splits` + 1 steps, from all late to all early; most central first."""
    left_out = 1 - coverage
    steps = sorted(range(splits + 1), key=lambda k: (abs(2 * k - splits), k))
    return [(left_out * k / splits, left_out * k / splits + coverage) for k in steps]


def _measured(
    *, since: dt.datetime, until: dt.datetime, coverage: float, half_life_days: float
) -> dict[int, dict]:
    """Per horizon bucket (0..len(HORIZON_EDGES_S)), from the samples of arrivals in
    [since, until): how many samples and arrivals, their mean horizon and (weighted) median
    model error, and the narrowest of the `candidate_levels` windows (a few asymmetric splits
    rather than the narrowest of all: skewed errors get a window where they are dense, without
    fitting the noise of one sample).

    A sample of an arrival `a` days before `until` (1 for the day before) weighs
    0.5 ** (a / half_life_days) (all alike with 0): the engine keeps learning (speed ratios,
    drivers), so yesterday's errors say more about today's than those of a week ago, and the
    first days' errors, on an engine that had learned nothing yet, fade instead of widening
    the windows for four weeks (weighted split conformal, Barber et al. 2023). The quantile at
    level q is the smallest error whose cumulative weight reaches q x the weights' sum; each
    window holds `coverage` x (sum + 1) / sum of the weight, the + 1 being the arrival to
    come, weighing what one of today's samples would (split conformal's finite-sample
    correction; at most all of it). Two queries, whatever the volume."""
    table = EtaErrorSample._meta.db_table
    params: dict = {"edges": list(HORIZON_EDGES_S), "since": since, "until": until}
    params["half_life"] = float(half_life_days)
    samples = f"""
        SELECT width_bucket(horizon_s, %(edges)s::int[]) AS bucket, stop_id, horizon_s,
               error_s + shift_s AS e,
               CASE WHEN %(half_life)s > 0 THEN power(
                   0.5::float8,
                   (floor(extract(epoch FROM %(until)s - arrived_at) / 86400) + 1)::float8
                   / %(half_life)s
               ) ELSE 1::float8 END AS w
        FROM {table} WHERE arrived_at >= %(since)s AND arrived_at < %(until)s
    """  # noqa: S608 (table name from the model, values as parameters)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT bucket, count(*), count(DISTINCT stop_id), avg(horizon_s), sum(w), max(e)
            FROM ({samples}) AS s GROUP BY bucket
            """,  # noqa: S608
            params,
        )
        found = cursor.fetchall()
        if not found:
            return {}
        out, levels = {}, {}
        for b, n, arrivals, horizon, weight, largest in found:
            out[b] = {"samples": n, "arrivals": arrivals, "horizon_s": float(horizon)}
            out[b]["largest"] = largest
            held = min(1.0, coverage * (weight + 1) / weight)
            levels[b] = [0.5, *(q for pair in candidate_levels(held) for q in pair)]
            params[f"b{b}"], params[f"l{b}"] = b, levels[b]
        rows = ", ".join(f"(%(b{b})s, %(l{b})s::float8[])" for b in out)
        cursor.execute(
            f"""
            WITH c AS (
                SELECT bucket, e,
                       sum(w) OVER (PARTITION BY bucket ORDER BY e ROWS UNBOUNDED PRECEDING)
                       / sum(w) OVER (PARTITION BY bucket) AS cum
                FROM ({samples}) AS s
            )
            SELECT c.bucket, l.i, min(c.e)
            FROM c JOIN (VALUES {rows}) AS f(bucket, levels) ON f.bucket = c.bucket
            CROSS JOIN unnest(f.levels) WITH ORDINALITY AS l(level, i)
            WHERE c.cum >= l.level - 1e-9
            GROUP BY c.bucket, l.i
            """,  # noqa: S608
            params,
        )
        ends: dict[int, dict[int, int]] = {}
        for bucket, i, e in cursor.fetchall():
            ends.setdefault(bucket, {})[i] = e
    for b, row in out.items():
        # Past the last cumulative weight (rounding) is the largest error.
        largest = row.pop("largest")
        at = [ends.get(b, {}).get(i, largest) for i in range(1, len(levels[b]) + 1)]
        candidates = list(zip(at[1::2], at[2::2], strict=True))
        low, high = min(candidates, key=lambda p: p[1] - p[0])  # first: the most central
        row.update(centre_s=at[0], low_s=low, high_s=high)
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
    measured = _measured(
        since=since,
        until=until,
        coverage=coverage,
        half_life_days=conf.get("TRACKING_ETA_SAMPLE_HALF_LIFE_DAYS"),
    )
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
