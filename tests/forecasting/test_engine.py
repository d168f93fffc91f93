"""The forecasting engine without the database: backtest splits, model choice on series built to
favour each model, fallbacks for short or odd histories."""

import numpy as np
import pandas as pd
import pytest

from forecasting.engine.forecast import (
    CV_HORIZON,
    CV_STEP,
    CV_WINDOWS,
    HORIZON,
    backtest_cutoffs,
    forecast_series,
    mase_scale,
    min_backtest_length,
)

WEEK = np.array([5, 8, 10, 12, 9, 3, 1], dtype=float)


def test_backtest_windows_end_on_the_last_day_and_never_train_on_their_test_days():
    cutoffs = backtest_cutoffs(100, horizon=14, windows=3, step=7)
    assert cutoffs == [72, 79, 86]
    assert cutoffs[-1] + 14 == 100
    for c in cutoffs:
        train, test = np.arange(100)[:c], np.arange(100)[c : c + 14]
        assert train.max() < test.min() and len(test) == 14


def test_backtest_split_is_the_one_statsforecast_cross_validation_uses():
    from statsforecast import StatsForecast
    from statsforecast.models import Naive

    n = 60
    df = pd.DataFrame(
        {
            "unique_id": "a",
            "ds": pd.date_range("2025-01-01", periods=n),
            "y": np.arange(n, dtype=float),
        }
    )
    cv = StatsForecast(models=[Naive()], freq="D").cross_validation(
        df=df, h=CV_HORIZON, n_windows=CV_WINDOWS, step_size=CV_STEP
    )
    first_test_days = sorted(cv.groupby("cutoff")["ds"].min())
    expected = [df["ds"][c] for c in backtest_cutoffs(n)]
    assert first_test_days == expected


def test_mase_scale_is_the_in_sample_seasonal_naive_error():
    train = np.tile(WEEK, 3) + np.r_[np.zeros(7), np.ones(7), np.full(7, 3.0)]
    # lag-7 differences: 7 x 1 then 7 x 2 → mean 1.5
    assert mase_scale(train) == pytest.approx(1.5)
    assert mase_scale(np.tile(WEEK, 3)) == pytest.approx(np.mean(np.abs(np.diff(np.tile(WEEK, 3)))))


def _choice(values):
    result = forecast_series(values)
    assert result.model in result.candidates
    assert result.candidates[result.model] == min(result.candidates.values())
    return result


def test_an_exactly_repeating_week_chooses_seasonal_naive():
    result = _choice(np.tile(WEEK, 20))
    assert result.model == "seasonal_naive"
    assert result.mase == 0
    assert result.point[:7] == pytest.approx(list(WEEK))


def test_weekly_season_with_a_drifting_level_chooses_auto_ets():
    rng = np.random.default_rng(0)
    t = np.arange(140)
    values = np.round(20 + 0.5 * t + np.tile(WEEK, 20) * 2 + rng.normal(0, 1, 140))
    assert _choice(values).model == "auto_ets"


def test_a_steady_trend_without_season_chooses_auto_theta():
    rng = np.random.default_rng(0)
    values = np.round(10 + 0.8 * np.arange(140) + rng.normal(0, 2, 140))
    result = _choice(values)
    assert result.model == "auto_theta"
    assert result.point[-1] > result.point[0]  # the trend is carried forward


def test_intermittent_demand_whose_sizes_jump_chooses_croston():
    rng = np.random.default_rng(3)
    values = (rng.random(300) < 0.3) * np.r_[np.full(200, 3.0), np.full(100, 9.0)]
    result = _choice(values)
    assert result.demand_class == "intermittent"
    assert result.model == "croston_sba"
    assert "RMSSE" in result.reason


def test_intermittent_demand_that_becomes_rarer_chooses_tsb():
    rng = np.random.default_rng(4)
    values = (rng.random(240) < np.r_[np.full(180, 0.6), np.full(60, 0.12)]) * 4.0
    assert _choice(values).model == "tsb"


def test_stationary_intermittent_demand_chooses_the_mean():
    rng = np.random.default_rng(0)
    values = (rng.random(364) < 0.6) * (1 + rng.poisson(6, 364)).astype(float)
    assert _choice(values).model == "mean"


def _assert_sane(result):
    assert len(result.point) == HORIZON
    for lo95, lo80, p, hi80, hi95 in zip(
        result.lo95, result.lo80, result.point, result.hi80, result.hi95, strict=True
    ):
        assert 0 <= lo95 <= lo80 + 1e-9 and lo80 <= p + 1e-9 and p <= hi80 + 1e-9
        assert hi80 <= hi95 + 1e-9
    assert result.reason


def test_no_history_forecasts_zero_and_says_why():
    result = forecast_series([])
    _assert_sane(result)
    assert result.model == "zero" and sum(result.point) == 0
    assert "No demand history" in result.reason


def test_all_zero_history_forecasts_zero():
    result = forecast_series(np.zeros(90))
    assert result.model == "zero" and "All 90 days" in result.reason


def test_a_single_sale_gives_a_small_positive_forecast_with_a_spread():
    result = forecast_series([6.0])
    _assert_sane(result)
    assert result.model == "mean"
    assert result.point[0] == pytest.approx(6.0)
    assert result.hi95[0] > result.point[0]
    assert "Only 1 day of" in result.reason


def test_a_few_weeks_of_history_fall_back_to_seasonal_naive_without_backtest():
    values = np.tile(WEEK, 3)
    assert len(values) < min_backtest_length()
    result = forecast_series(values)
    _assert_sane(result)
    assert result.model == "seasonal_naive" and result.mase is None
    assert f"a backtest needs {min_backtest_length()}" in result.reason


def test_returns_larger_than_sales_count_as_zero_demand_and_are_reported():
    values = np.tile(WEEK, 10)
    values[[5, 12]] = [-4, -2]
    result = forecast_series(values)
    _assert_sane(result)
    assert "Returns exceeded sales on 2 days" in result.reason


def test_backtested_forecast_reports_mase_bias_and_measured_lead_time_spread():
    rng = np.random.default_rng(1)
    values = rng.poisson(np.tile(WEEK, 30) * 3).astype(float)
    result = forecast_series(values)
    _assert_sane(result)
    assert result.mase is not None and result.mase > 0
    assert result.bias is not None and -1 < result.bias < 1
    sigma = result.cumulative_sigma
    assert len(sigma) == HORIZON and sigma[-1] > sigma[0] > 0
