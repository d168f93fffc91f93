"""The ETA benchmark's standard error of a coverage, the scored days taken as clusters."""

import math

import pytest

from benchmarks.eta_accuracy_report import coverage_se, table


def test_days_alike_leave_no_error_and_one_day_has_none():
    assert coverage_se([(60, 0.8), (60, 0.8), (60, 0.8)]) == 0
    assert coverage_se([(60, 0.8)]) is None


def test_the_error_is_the_spread_of_the_days_not_of_the_arrivals():
    # Two days of 60 arrivals, 70 % and 90 %: the mean is 80 %, each day 10 points off it.
    se = coverage_se([(60, 0.7), (60, 0.9)])
    assert se == pytest.approx(0.10)
    # As many arrivals taken one by one (binomial) would claim a far steadier figure.
    assert se > 2.5 * math.sqrt(0.8 * 0.2 / 120)
    # Ten such days: the run measures the seed to about ±3 points, not ±10.
    assert coverage_se([(60, 0.7), (60, 0.9)] * 5) == pytest.approx(1 / 30)


def test_busier_days_weigh_more():
    # The mean is pulled to the day of 90 arrivals; the error follows the weighted spread.
    # Mean (81 + 15) / 120 = 80 %; the days weigh 90 x 0.1 and 30 x 0.3 off it.
    assert coverage_se([(90, 0.9), (30, 0.5)]) == pytest.approx(0.15)


def test_the_table_prints_each_seed_and_the_pool_with_its_error():
    def run(seed, days):
        horizons = {
            "60": {
                "n": 120,
                "coverage": 0.8,
                "width_s": 1200,
                "mae_s": 300,
                "bias_s": 30,
                "baseline_mae_s": 900,
            }
        }
        return {
            "seed": seed,
            "horizons": horizons,
            "by_day": {d: {"60": {"n": 60, "coverage": c, "bias_s": 0}} for d, c in days},
            "per_day": [],
            "targets": {},
        }

    result = {
        "seeds": [1, 2],
        "days": 2,
        "warmup_days": 2,
        "stops_per_day": 60,
        "coverage": 0.8,
        "runs": [run(1, [("d1", 0.7), ("d2", 0.9)]), run(2, [("d1", 0.8), ("d2", 0.8)])],
        "pooled": {
            "60": {
                "n": 240,
                "coverage": 0.8,
                "width_s": 1200,
                "mae_s": 300,
                "bias_s": 30,
                "baseline_mae_s": 900,
            }
        },
        "wall_s": 1,
        "load_average": {"before": [0], "after": [0]},
    }
    lines = table(result).splitlines()
    assert "| 1 | 60 min | 120 | 80.0% | 10.0% |" in "\n".join(lines)
    assert "| 2 | 60 min | 120 | 80.0% | 0.0% |" in "\n".join(lines)
    pooled_se = coverage_se([(60, 0.7), (60, 0.9), (60, 0.8), (60, 0.8)])
    assert f"| all | 60 min | 240 | 80.0% | {pooled_se:.1%} |" in "\n".join(lines)
