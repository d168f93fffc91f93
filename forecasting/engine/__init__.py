"""The forecasting engine: pure Python and numpy/statsforecast, no Django (like routing/solver).

`forecast.forecast_series(values)` picks a model per daily series by rolling-origin
cross-validation; `safety.lead_time_demand(...)` turns a forecast into lead-time demand, safety
stock and a reorder point. The Django side (reading history, storing forecasts) lives in
forecasting.selectors and forecasting.services.
"""
