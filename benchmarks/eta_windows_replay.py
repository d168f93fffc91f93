"""Replay ETA window policies on traced benchmark days, in seconds instead of minutes.

    .venv/bin/python benchmarks/eta_accuracy.py --seeds 1 2 3 4 5 --jobs 2 --trace traces/
    .venv/bin/python benchmarks/eta_windows_replay.py traces/seed-*.json [--adapt-rate 0.2]
        [--drift-rate 0.02] [--half-life-days 1] [--coverage 0.8] [--json]

The simulated days do not depend on the windows: the point ETA is the van's own arrival and the
simulated drivers read no window. So a trace (every ETA the engine computed: when, for which
stop, the van's arrival; every arrival; every observation the benchmark scored) holds all a
window policy needs, and this script recomputes, day by day, what the engine does with it:

- each morning, per horizon bucket, the narrowest of the candidate windows over the errors of
  earlier days' arrivals (`tracking.services.eta.windows`, with optional weights by age);
- within the day, the per-bucket adaptive scale (`adaptive.py`) and the drift (`drift.py`),
  moved by each arrival;
- each ETA's window, the stop's shown window (rewritten when it moved 15 s) and the history
  rows the errors are taken from (`writes.py`);

then scores the shown windows (coverage, width) and ETAs (MAE at 15 / 30 / 60 / 120 min) at the
benchmark's observations, as `eta_accuracy.py` does. With
the engine's settings (the defaults of `Policy`) it reproduces the windows the engine wrote:
each seed's line of output ends with how many of the traced ETAs and observations it
reproduced to the second. Days are UTC days, as the windows' are with TIME_ZONE at its default
(UTC), which the benchmark uses.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()  # the tracking modules below import models (no database is opened)

from benchmarks.eta_accuracy_report import (  # noqa: E402
    TARGET_COVERAGE,
    TARGET_WIDTH_60_MIN,
    coverage_se,
)
from tracking.eta import (  # noqa: E402
    MIN_HALF_WIDTH_S,
    ErrorWindows,
    HorizonWindow,
    bucket_horizons_s,
    prior_half_width_s,
)
from tracking.services.eta import adaptive as adaptive_module  # noqa: E402
from tracking.services.eta import drift as drift_module  # noqa: E402
from tracking.services.eta.windows import (  # noqa: E402
    SAMPLE_MAX_S,
    SAMPLE_STEP_S,
    candidate_levels,
)

HORIZONS_MIN = (15, 30, 60, 120)
WRITE_THRESHOLD_S = 15  # tracking.services.eta.writes


@dataclass
class Policy:
    """A window policy: the engine's settings by default (tracking/conf.py), and a few variants
    that were replayed and not kept (docs/benchmarks.md)."""

    coverage: float = 0.8
    adapt_rate: float = 0.2
    drift_rate: float = 0.02
    # Weights of an earlier day's errors: 0.5 ** (age in days / half_life); 0: all alike.
    half_life_days: float = 1.0
    # Each morning the day's adaptive scales start from the last day's times this (0: from 1).
    carry_scale: float = 0.0
    # "both": one scale per bucket for the whole window (as committed); "sides": the early and
    # the late side each its own, aimed at the share of errors the cut left out on that side
    # ("sides") or at half the left-out share each ("halves").
    sides: str = "both"
    scale_bounds: tuple = (2 / 3, 2.0)
    min_arrivals: int = 30
    sample_days: int = 28
    history_min_change_s: int = 60
    history_max_age_s: int = 900
    base_s: float = 180
    share: float = 0.18


@dataclass
class StopState:
    # [(at, low, high, eta)] each time it was rewritten
    shown: list = field(default_factory=list)
    eta: float | None = None
    low: float | None = None
    high: float | None = None
    records: list = field(default_factory=list)  # [(computed_at, eta, low, high, shift)]


def utc_day(ts: float) -> dt.date:
    return dt.datetime.fromtimestamp(ts, dt.UTC).date()


def cut_windows(samples, *, day: dt.date, policy: Policy) -> list[tuple]:
    """The day's window rows (horizon_s, low_s, high_s, centre_s, bucket, early share, late
    share) from `samples` [(arrival day, stop, horizon_s, error)] of earlier days, as
    `tracking.services.eta.windows._measured` cuts them."""
    since = day - dt.timedelta(days=policy.sample_days)
    by_bucket: dict[int, list] = {}
    for arrived_day, stop, horizon_s, error in samples:
        if since <= arrived_day < day:
            age = (day - arrived_day).days
            weight = 0.5 ** (age / policy.half_life_days) if policy.half_life_days else 1.0
            by_bucket.setdefault(adaptive_module.bucket_of(horizon_s), []).append(
                (error, weight, stop, horizon_s)
            )
    rows = []
    for bucket, middle in enumerate(bucket_horizons_s()):
        found = sorted(by_bucket.get(bucket, []), key=lambda r: r[0])
        arrivals = len({stop for _e, _w, stop, _h in found})
        if arrivals >= policy.min_arrivals:
            total = sum(w for _e, w, _s, _h in found)
            cum, running = [], 0.0
            for _e, w, _s, _h in found:
                running += w
                cum.append(running / total)

            def quantile(level: float, found=found, cum=cum) -> float:
                index = bisect.bisect_left(cum, level - 1e-9)
                return found[min(index, len(found) - 1)][0]

            held = min(1.0, policy.coverage * (total + 1) / total)
            candidates = [
                (quantile(lo), quantile(hi), lo, 1 - hi) for lo, hi in candidate_levels(held)
            ]
            low, high, early, late = min(candidates, key=lambda p: p[1] - p[0])
            if policy.sides == "halves":
                early = late = (1 - policy.coverage) / 2
            horizon = round(sum(h for *_r, h in found) / len(found))
            rows.append((horizon, low, high, quantile(0.5), bucket, early, late))
        else:
            half = round(
                prior_half_width_s(
                    middle, coverage=policy.coverage, base_s=policy.base_s, share=policy.share
                )
            )
            left = (1 - policy.coverage) / 2
            rows.append((round(middle), -half, half, 0, bucket, left, left))
    return sorted(rows)


def replay(trace: dict, policy: Policy) -> dict:
    units = adaptive_module.UNITS
    scale_low, scale_high = (round(math.log(b) * units) for b in policy.scale_bounds)
    lo_b, hi_b = policy.scale_bounds
    drift_low, drift_high = (round(b * units) for b in drift_module.DRIFT_BOUNDS)
    if "reached" in trace:  # the engine's own order of arrivals and recomputes
        events = [(at, order, 0, stop) for order, stop, at in trace["reached"]]
        events += [(row[0], row[6], 1, row) for row in trace["etas"]]
        events.sort(key=lambda e: (e[1], e[2]))
    else:  # an older trace: by time, an arrival before a recompute at the same instant
        arrivals = {stop: at for stop, at, _day, _scored in trace["arrivals"]}
        events = [(at, 0, 0, stop) for stop, at in arrivals.items()]
        events += [(row[0], 0, 1, row) for row in trace["etas"]]
        events.sort(key=lambda e: (e[0], e[2]))
    stops: dict[int, StopState] = {}
    reached: set[int] = set()
    samples: list = []
    day = None
    rows: list = []
    scales: dict = {}
    drift_value = 0
    matched = total = 0

    def scale(key) -> float:
        return min(max(math.exp(scales.get(key, 0) / units), lo_b), hi_b)

    def windows_now() -> ErrorWindows:
        if policy.sides == "both":
            points = tuple(
                HorizonWindow(h, centre + s * (low - centre), centre + s * (high - centre), centre)
                for h, low, high, centre, bucket, _e, _l in rows
                for s in [scale(bucket)]
            )
        else:
            points = tuple(
                HorizonWindow(
                    h,
                    centre + scale((bucket, 0)) * (low - centre),
                    centre + scale((bucket, 1)) * (high - centre),
                    centre,
                )
                for h, low, high, centre, bucket, _e, _l in rows
            )
        return ErrorWindows(points, drift=drift_value / units)

    for at, _order, kind, payload in events:
        today = utc_day(at)
        if today != day:
            scales = {k: round(v * policy.carry_scale) for k, v in scales.items()}
            day, drift_value = today, 0
            rows = cut_windows(samples, day=day, policy=policy)
            windows = windows_now()
        if kind == 0:  # an arrival (scored once, as the engine does)
            state = stops.get(payload)
            if state is None or not state.records or payload in reached:
                continue
            reached.add(payload)
            given = sorted(r for r in state.records if r[0] <= at)
            times = [r[0] for r in given]
            in_force = []
            for step in range(SAMPLE_STEP_S, SAMPLE_MAX_S + 1, SAMPLE_STEP_S):
                index = bisect.bisect_right(times, at - step) - 1
                if index < 0:
                    break
                in_force.append((step, given[index]))
            for step, (_c, eta, _low, _high, shift) in in_force:
                samples.append((today, payload, step, round(at - eta) + shift))
            if policy.adapt_rate > 0 and in_force and policy.sides == "both":
                by_bucket: dict[int, list] = {}
                for step, (_c, _eta, low, high, _s) in in_force:
                    by_bucket.setdefault(adaptive_module.bucket_of(step), []).append(
                        not low <= at <= high
                    )
                for bucket, misses in sorted(by_bucket.items()):
                    share = sum(misses) / len(misses)
                    value = scales.get(bucket, 0) + round(
                        policy.adapt_rate * (share - (1 - policy.coverage)) * units
                    )
                    scales[bucket] = min(max(value, scale_low), scale_high)
            elif policy.adapt_rate > 0 and in_force:
                targets = {row[4]: row[5:7] for row in rows}
                by_side: dict[tuple, list] = {}
                for step, (_c, _eta, low, high, _s) in in_force:
                    b = adaptive_module.bucket_of(step)
                    by_side.setdefault((b, 0), []).append(at < low)
                    by_side.setdefault((b, 1), []).append(at > high)
                for key, misses in sorted(by_side.items()):
                    share = sum(misses) / len(misses)
                    target = targets.get(key[0], (0.1, 0.1))[key[1]]
                    value = scales.get(key, 0) + round(policy.adapt_rate * (share - target) * units)
                    scales[key] = min(max(value, scale_low), scale_high)
            near = [(step, r) for step, r in in_force if step <= drift_module.MAX_AHEAD_S]
            ahead = sum(step for step, _r in near)
            if policy.drift_rate > 0 and near and ahead > 0:
                error = sum(at - r[1] + r[4] for _step, r in near)
                share = min(max(error / ahead, -0.5), 0.5)
                drift_value = min(
                    max(drift_value + round(policy.drift_rate * share * units), drift_low),
                    drift_high,
                )
            windows = windows_now()
            continue
        now, stop, arrival, traced_low, traced_high, _traced_shift, *_order = payload
        ahead_s = max(0.0, arrival - now)
        model = arrival + round(windows.drift * ahead_s)
        horizon = max(0.0, model - now)
        low_s, high_s = windows.offsets(horizon)
        low = max(now, min(model + low_s, arrival - MIN_HALF_WIDTH_S))
        high = max(model + high_s, arrival + MIN_HALF_WIDTH_S)
        shift = round(arrival - model)
        total += 1
        matched += abs(low - traced_low) <= 1 and abs(high - traced_high) <= 1
        state = stops.setdefault(stop, StopState())
        if (
            state.eta is None
            or abs(arrival - state.eta) >= WRITE_THRESHOLD_S
            or abs(low - state.low) >= WRITE_THRESHOLD_S
            or abs(high - state.high) >= WRITE_THRESHOLD_S
        ):
            state.eta, state.low, state.high = arrival, low, high
            state.shown.append((now, low, high, arrival))
        last = state.records[-1] if state.records else None
        if (
            last is None
            or abs(last[1] - arrival) >= policy.history_min_change_s
            or abs(last[4] - shift) >= policy.history_min_change_s
            or now - last[0] >= policy.history_max_age_s
        ):
            state.records.append((now, arrival, low, high, shift))
    return score(trace, stops, matched=matched, total=total)


def score(trace: dict, stops: dict[int, StopState], *, matched: int, total: int) -> dict:
    out: dict = {"etas_matched": matched, "etas": total, "observations_matched": 0}
    hits: dict[int, list] = {h: [] for h in HORIZONS_MIN}
    widths: dict[int, list] = {h: [] for h in HORIZONS_MIN}
    errors: dict[int, list] = {h: [] for h in HORIZONS_MIN}
    days: dict[str, dict[int, list]] = {}
    for stop, horizon_s, actual, traced_low, traced_high in trace["observations"]:
        state = stops.get(stop)
        at = actual - horizon_s
        shown = [s for s in (state.shown if state else []) if s[0] <= at + 1e-3]
        if not shown:
            continue
        _t, low, high, eta = shown[-1]
        out["observations_matched"] += abs(low - traced_low) <= 1 and abs(high - traced_high) <= 1
        h = horizon_s // 60
        hit = low <= actual <= high
        hits[h].append(hit)
        widths[h].append(high - low)
        errors[h].append(abs(actual - eta))
        days.setdefault(utc_day(actual).isoformat(), {k: [] for k in HORIZONS_MIN})[h].append(hit)
    out["observations"] = len(trace["observations"])
    out["coverage"] = {h: sum(v) / len(v) for h, v in hits.items() if v}
    out["width_min"] = {h: sum(v) / len(v) / 60 for h, v in widths.items() if v}
    out["mae_min"] = {h: sum(v) / len(v) / 60 for h, v in errors.items() if v}
    out["by_day"] = {
        d: {h: sum(v) / len(v) for h, v in f.items() if v} for d, f in sorted(days.items())
    }
    out["coverage_se"] = {
        h: coverage_se([(len(f[h]), sum(f[h]) / len(f[h])) for f in days.values() if f[h]])
        for h in HORIZONS_MIN
    }
    low, high = TARGET_COVERAGE
    out["band"] = all(low <= c <= high for c in out["coverage"].values())
    out["width_ok"] = out["width_min"].get(60, 99) <= TARGET_WIDTH_60_MIN
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("traces", nargs="+", type=Path)
    parser.add_argument("--adapt-rate", type=float, default=Policy.adapt_rate)
    parser.add_argument("--drift-rate", type=float, default=Policy.drift_rate)
    parser.add_argument("--half-life-days", type=float, default=Policy.half_life_days)
    parser.add_argument("--coverage", type=float, default=Policy.coverage)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    policy = Policy(
        coverage=args.coverage,
        adapt_rate=args.adapt_rate,
        drift_rate=args.drift_rate,
        half_life_days=args.half_life_days,
    )
    results = {path.stem: replay(json.loads(path.read_text()), policy) for path in args.traces}
    if args.json:
        print(json.dumps(results, indent=2, default=str))
        return 0
    print(f"policy: {policy}")
    for name, r in results.items():
        cov = " / ".join(
            f"{r['coverage'].get(h, 0):.1%}"
            + ("" if r["coverage_se"][h] is None else f" ±{r['coverage_se'][h]:.1%}")
            for h in HORIZONS_MIN
        )
        mae = " / ".join(f"{r['mae_min'].get(h, 0):.2f}" for h in HORIZONS_MIN)
        print(
            f"{name}: coverage {cov}; 60-min width {r['width_min'].get(60, 0):.1f} min; "
            f"MAE {mae} min; "
            f"band {'met' if r['band'] else 'MISSED'}, width {'met' if r['width_ok'] else 'MISSED'}"
            f" (replayed {r['etas_matched']}/{r['etas']} ETAs and "
            f"{r['observations_matched']}/{r['observations']} observations to the second)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
