"""Demand forecasting benchmark: accuracy, bias, safety-stock service level and speed.

    .venv/bin/python benchmarks/forecast.py            # table
    .venv/bin/python benchmarks/forecast.py --json     # one JSON object
    .venv/bin/python benchmarks/forecast.py --products 100 --origins 2   # quicker

Synthetic history (seeded): `--products` products x 730 days; 60 % smooth (level, trend,
weekly season, promotions of 3-7 days lifting demand 1.5-3x, negative-binomial noise), 40 %
intermittent (a demand on 5-45 % of days, sizes 1 + Poisson). From `--origins` forecast origins
28 days apart (the last one 28 days before the end) the engine forecasts 28 days exactly as the
nightly job does (forecasting.engine.forecast.forecast_series, one process, no Django), then:

* MASE: mean absolute error of the 28-day forecast divided by the in-sample seasonal-naive
  error, averaged over series and origins; the same for the seasonal naive forecast itself.
* bias: (Σ forecast - Σ actual) / Σ actual over everything.
* service level replay: each product gets a lead time (3, 5, 7, 10 or 14 days); the reorder
  point is ceil(expected lead-time demand + safety stock) for the target service level
  (forecasting.engine.safety, the policy the reorder suggestions use); achieved = share of
  (product, origin) pairs whose actual lead-time demand did not exceed it (no stockout in the
  cycle).
* speed: wall-clock seconds to forecast every (series, origin), per 1,000 series; the nightly
  job for 5,000 series is extrapolated from it (one process; the nightly chord runs one task per
  warehouse, so workers add up).

No public retail demand dataset ships inside statsforecast, datasetsforecast or statsmodels
without a download at run time (datasetsforecast fetches M4/M5 from the network), so only the
synthetic set is reported.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from forecasting.engine.forecast import HORIZON, SEASON, forecast_series, mase_scale
from forecasting.engine.safety import lead_time_demand

LEAD_TIMES = (3, 5, 7, 10, 14)


def synthetic(products: int, days: int = 730, seed: int = 13) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    series = []
    t = np.arange(days)
    for i in range(products):
        if i % 5 < 3:  # smooth
            level = rng.lognormal(mean=math.log(15), sigma=0.8)
            trend = rng.normal(0, 0.4) * level / days  # up to ±~40 % over the two years
            weekly = rng.uniform(0.5, 1.3, SEASON)
            weekly /= weekly.mean()
            mu = np.maximum(level + trend * t, 0.2) * weekly[t % SEASON]
            for _ in range(rng.poisson(days / 90)):
                start = rng.integers(0, days - 7)
                mu[start : start + rng.integers(3, 8)] *= rng.uniform(1.5, 3.0)
            dispersion = 8.0
            y = rng.negative_binomial(dispersion, dispersion / (dispersion + mu))
        else:  # intermittent
            p = rng.uniform(0.05, 0.45)
            y = (rng.random(days) < p) * (1 + rng.poisson(rng.uniform(0.5, 4), days))
        series.append(y.astype(float))
    return series


def run(products: int, origins: int, service_level: float, seed: int = 13) -> dict:
    data = synthetic(products, seed=seed)
    days = len(data[0])
    mase, mase_sn, f_total, a_total = [], [], 0.0, 0.0
    hits, trials = 0, 0
    fitted = 0
    started = time.perf_counter()
    spent = cpu = 0.0
    for k in range(origins):
        origin = days - HORIZON * (k + 1)
        for i, y in enumerate(data):
            train, test = y[:origin], y[origin : origin + HORIZON]
            t0, c0 = time.perf_counter(), time.process_time()
            result = forecast_series(train)
            spent += time.perf_counter() - t0
            cpu += time.process_time() - c0
            fitted += 1
            point = np.asarray(result.point)
            scale = mase_scale(train)
            mase.append(float(np.mean(np.abs(point - test))) / scale)
            naive = np.resize(train[-SEASON:], HORIZON)
            mase_sn.append(float(np.mean(np.abs(naive - test))) / scale)
            f_total += float(point.sum())
            a_total += float(test.sum())
            lead = LEAD_TIMES[i % len(LEAD_TIMES)]
            ltd = lead_time_demand(
                point=result.point,
                hi95=result.hi95,
                lead_time_days=lead,
                service_level=service_level,
                cumulative_sigma=result.cumulative_sigma,
                sigma_span_days=result.sigma_span_days,
            )
            hits += float(test[:lead].sum()) <= math.ceil(ltd.reorder_point - 1e-9)
            trials += 1
    wall = time.perf_counter() - started
    per_1000 = spent / fitted * 1000
    cpu_per_1000 = cpu / fitted * 1000
    return {
        "synthetic": {
            "products": products,
            "seed": seed,
            "days": days,
            "origins": origins,
            "series_forecast": fitted,
            "mase": round(float(np.mean(mase)), 4),
            "mase_seasonal_naive": round(float(np.mean(mase_sn)), 4),
            "bias": round((f_total - a_total) / a_total, 4),
            "service_level_target": service_level,
            "service_level_achieved": round(hits / trials, 4),
        },
        "seconds_per_1000_series": round(per_1000, 1),
        "cpu_seconds_per_1000_series": round(cpu_per_1000, 1),
        "nightly_5000_series_seconds_one_process": round(per_1000 * 5, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "wall_seconds": round(wall, 1),
        "public_dataset": None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--origins", type=int, default=4)
    parser.add_argument("--service-level", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.products, args.origins, args.service_level, seed=args.seed)
    if args.json:
        print(json.dumps(result))
        return
    s = result["synthetic"]
    print(f"synthetic: {s['products']} products x {s['days']} days, {s['origins']} origins")
    naive = s["mase_seasonal_naive"]
    print(f"  MASE                     {s['mase']:.3f}  (seasonal naive {naive:.3f})")
    print(f"  bias                     {s['bias'] * 100:+.1f} %")
    print(
        f"  service level            {s['service_level_achieved'] * 100:.1f} % achieved "
        f"(target {s['service_level_target'] * 100:g} %)"
    )
    print(
        f"  seconds per 1000 series  {result['seconds_per_1000_series']} wall, "
        f"{result['cpu_seconds_per_1000_series']} CPU (load {result['load_average_1min']})"
    )
    print(f"  5,000 series, 1 process  {result['nightly_5000_series_seconds_one_process']} s")
    print("  public dataset           none ships without a download (see docstring)")


if __name__ == "__main__":
    main()
