"""ETA accuracy figures (pure): what the benchmark reports per horizon.

An observation is what a customer was shown `horizon_s` before the vehicle actually arrived:
the point ETA and its window, next to the optimiser's planned arrival (the naive baseline,
never updated). Errors are actual - predicted, in seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

# The naive baseline promises planned arrival ± this (a one-hour slot), for its coverage.
BASELINE_HALF_WIDTH_S = 1800


@dataclass(frozen=True)
class Observation:
    stop: int
    horizon_s: int
    actual: dt.datetime
    eta: dt.datetime
    low: dt.datetime
    high: dt.datetime
    planned: dt.datetime


def _s(delta: dt.timedelta) -> float:
    return delta.total_seconds()


def horizon_metrics(
    observations: Iterable[Observation], *, baseline_half_width_s: float = BASELINE_HALF_WIDTH_S
) -> dict[str, dict]:
    """Per horizon (as a string key, for JSON): n, mae_s, bias_s (mean actual - eta),
    coverage (share of arrivals inside [low, high]), width_s (mean high - low), and the
    baseline's mae_s, bias_s and coverage of planned ± baseline_half_width_s."""
    groups: dict[int, list[Observation]] = {}
    for obs in observations:
        groups.setdefault(obs.horizon_s, []).append(obs)
    out: dict[str, dict] = {}
    for horizon in sorted(groups):
        rows = groups[horizon]
        n = len(rows)
        errors = [_s(o.actual - o.eta) for o in rows]
        base = [_s(o.actual - o.planned) for o in rows]
        out[str(horizon // 60)] = {
            "n": n,
            "mae_s": round(sum(abs(e) for e in errors) / n, 1),
            "bias_s": round(sum(errors) / n, 1),
            "coverage": round(sum(o.low <= o.actual <= o.high for o in rows) / n, 3),
            "width_s": round(sum(_s(o.high - o.low) for o in rows) / n, 1),
            "baseline_mae_s": round(sum(abs(e) for e in base) / n, 1),
            "baseline_bias_s": round(sum(base) / n, 1),
            "baseline_coverage": round(sum(abs(e) <= baseline_half_width_s for e in base) / n, 3),
            "baseline_width_s": 2 * baseline_half_width_s,
        }
    return out


def improvement(metrics: dict) -> float | None:
    """1 - mae / baseline mae (0.4 = 40 % lower than the baseline); None without a baseline."""
    if not metrics.get("baseline_mae_s"):
        return None
    return round(1 - metrics["mae_s"] / metrics["baseline_mae_s"], 3)
