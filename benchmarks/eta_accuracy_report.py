"""What `eta_accuracy.py` prints: figures per scored day, the issue's targets per seed, the
table, and every seed pooled (pure functions over the run's results)."""

from __future__ import annotations

import math

HORIZONS_MIN = (15, 30, 60, 120)
TARGET_COVERAGE = (0.77, 0.85)
TARGET_WIDTH_60_MIN = 30
TARGET_MAE_VS_PLAN_60 = 0.5


def by_day(observations) -> dict[str, dict]:
    """`horizon_metrics` of each scored day (by the arrival's date): how much the figures move
    from one day to the next is the noise of a run this short."""
    from simulator.metrics import horizon_metrics

    days: dict = {}
    for obs in observations:
        days.setdefault(obs.actual.date().isoformat(), []).append(obs)
    return {day: horizon_metrics(rows) for day, rows in sorted(days.items())}


def coverage_se(days: list[tuple[int, float]]) -> float | None:
    """The standard error of a coverage pooled over days, from each day's (arrivals, coverage),
    the days taken as clusters (a delay hits many stops of a route, so one day's arrivals are not
    independent; a binomial error would understate it). None with fewer than two days.

    A run's coverage is only as steady as this says: at 60 orders a day one day's coverage is 5
    to 9 points off the seed's (`docs/benchmarks.md`, "ETA coverage on ten days a seed"), so
    three days measure a seed to ±3 to 5 points, about the half-width of the 77-85 % band."""
    if len(days) < 2:
        return None
    total = sum(n for n, _c in days)
    mean = sum(n * c for n, c in days) / total
    spread = sum((n * (c - mean)) ** 2 for n, c in days)
    return math.sqrt(len(days) / (len(days) - 1) * spread) / total


def _days_of(runs: list[dict], horizon: str) -> list[tuple[int, float]]:
    return [
        (figures[horizon]["n"], figures[horizon]["coverage"])
        for run in runs
        for figures in run["by_day"].values()
        if horizon in figures
    ]


def targets(horizons: dict) -> dict:
    """The issue's targets for one seed: coverage of the 80 % window at every horizon, the
    60-minute window's width, and the 60-minute MAE against the never-updated plan."""
    h60 = horizons.get("60")
    return {
        "coverage_77_85_every_horizon": all(
            str(h) in horizons
            and TARGET_COVERAGE[0] <= horizons[str(h)]["coverage"] <= TARGET_COVERAGE[1]
            for h in HORIZONS_MIN
        ),
        "width_60_le_30_min": bool(h60) and h60["width_s"] <= TARGET_WIDTH_60_MIN * 60,
        "mae_60_le_half_plan": bool(h60)
        and h60["mae_s"] <= TARGET_MAE_VS_PLAN_60 * h60["baseline_mae_s"],
    }


def table(result: dict) -> str:
    lines = [
        f"ETA accuracy on unseen days: seeds {' '.join(map(str, result['seeds']))}, "
        f"{result['days']} scored days each after {result['warmup_days']} learned, "
        f"{result['stops_per_day']} orders a day, target coverage {result['coverage']:.0%}",
        "",
        "| seed | horizon | n | coverage | ± (days) | width | MAE | bias | plan MAE | MAE / plan |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    # Each seed with its own days, then all seeds with all days.
    rows = [(run, [run]) for run in result["runs"]]
    rows.append(({"seed": "all", "horizons": result["pooled"]}, result["runs"]))
    for run, days in rows:
        for h, f in run["horizons"].items():
            se = coverage_se(_days_of(days, h))
            lines.append(
                f"| {run['seed']} | {h} min | {f['n']} | {f['coverage']:.1%} | "
                f"{'-' if se is None else f'{se:.1%}'} | "
                f"{f['width_s'] / 60:.1f} min | {f['mae_s'] / 60:.1f} min | "
                f"{f['bias_s'] / 60:+.1f} min | {f['baseline_mae_s'] / 60:.1f} min | "
                f"{f['mae_s'] / f['baseline_mae_s']:.2f} |"
            )
    lines += [
        "",
        "± (days): the coverage's standard error, the scored days taken as clusters.",
        "",
        "Coverage by scored day (15 / 30 / 60 / 120 min):",
        "",
    ]
    for run in result["runs"]:
        days = "; ".join(
            " / ".join(f"{f['coverage']:.0%}" for f in figures.values())
            for figures in run["by_day"].values()
        )
        lines.append(f"seed {run['seed']}: {days}")
    lines += ["", "Bias (actual - ETA, min) by scored day (15 / 30 / 60 / 120 min):", ""]
    for run in result["runs"]:
        days = "; ".join(
            " / ".join(f"{f['bias_s'] / 60:+.1f}" for f in figures.values())
            for figures in run["by_day"].values()
        )
        lines.append(f"seed {run['seed']}: {days}")
    lines += ["", "Learned centre (median model error, min) by day (15 / 30 / 60 / 120 min):", ""]
    for run in result["runs"]:
        days = "; ".join(
            f"{d['date'][5:]}{'*' if d['scored'] else ''} "
            + " / ".join(f"{v:+.1f}" for v in d.get("centre_min", {}).values())
            for d in run["per_day"]
        )
        lines.append(f"seed {run['seed']}: {days}")
    lines.append("")
    for run in result["runs"]:
        met = ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in run["targets"].items())
        lines.append(f"seed {run['seed']}: {met}")
    load = result["load_average"]
    lines.append(
        f"wall time {result['wall_s']:.0f} s; load average {load['before']} before, "
        f"{load['after']} after"
    )
    return "\n".join(lines)


def pooled(runs: list[dict]) -> dict:
    """Every seed's observations together, per horizon (means weighted by n)."""
    out: dict = {}
    for run in runs:
        for h, f in run["horizons"].items():
            acc = out.setdefault(h, {"n": 0})
            for key in ("mae_s", "bias_s", "coverage", "width_s", "baseline_mae_s"):
                acc[key] = acc.get(key, 0) + f[key] * f["n"]
            acc["n"] += f["n"]
    for acc in out.values():
        for key in ("mae_s", "bias_s", "coverage", "width_s", "baseline_mae_s"):
            acc[key] = round(acc[key] / acc["n"], 3)
    return out
