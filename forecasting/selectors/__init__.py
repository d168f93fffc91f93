"""Forecast reads: stored forecasts and chart data (forecasts.py), daily history from the
database (history.py), order volume per depot and day for capacity planning (volume.py) and the
forecast-driven reorder policy for purchasing's suggestions (reorder.py)."""

from forecasting.selectors.forecasts import (
    ChartData,
    forecast_chart_data,
    forecast_days,
    forecast_get,
    forecast_list,
)
from forecasting.selectors.history import HISTORY_DAYS
from forecasting.selectors.reorder import (
    DEFAULT_LEAD_TIME_DAYS,
    MIN_LEAD_TIME_SAMPLES,
    REORDER_POLICIES,
    REVIEW_PERIOD_DAYS,
    ForecastReorder,
    forecast_lead_time_demand,
    forecast_reorder_numbers,
    reorder_suggestions_for_policy,
    reorder_suggestions_forecast,
    supplier_lead_time_std_days,
)
from forecasting.selectors.volume import VolumeDay, volume_forecast

__all__ = [
    "DEFAULT_LEAD_TIME_DAYS",
    "HISTORY_DAYS",
    "MIN_LEAD_TIME_SAMPLES",
    "REORDER_POLICIES",
    "REVIEW_PERIOD_DAYS",
    "ChartData",
    "ForecastReorder",
    "VolumeDay",
    "forecast_chart_data",
    "forecast_days",
    "forecast_get",
    "forecast_lead_time_demand",
    "forecast_list",
    "forecast_reorder_numbers",
    "reorder_suggestions_for_policy",
    "reorder_suggestions_forecast",
    "supplier_lead_time_std_days",
    "volume_forecast",
]
