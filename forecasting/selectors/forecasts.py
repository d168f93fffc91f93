"""Stored forecasts: lists, one product's forecast, its days and chart data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet

from forecasting.models import Forecast, ForecastMetric
from forecasting.selectors.history import daily_fill, demand_points, history_end
from inventory.models import Product, Warehouse


def forecast_list(
    *,
    warehouse: Warehouse | None = None,
    product: Product | None = None,
    metric: str | None = ForecastMetric.DEMAND,
    search: str = "",
) -> QuerySet[Forecast]:
    """Forecasts of `metric` (every metric for None), optionally of one warehouse and product
    or SKUs containing `search`, by warehouse and SKU."""
    qs = Forecast.objects.select_related("warehouse", "product")
    if metric is not None:
        qs = qs.filter(metric=metric)
    if warehouse is not None:
        qs = qs.filter(warehouse=warehouse)
    if product is not None:
        qs = qs.filter(product=product)
    if search:
        qs = qs.filter(product__sku__icontains=search)
    return qs.order_by("warehouse__code", "product__sku", "id")


def forecast_get(*, product: Product, warehouse: Warehouse) -> Forecast | None:
    return (
        Forecast.objects.select_related("warehouse", "product")
        .filter(product=product, warehouse=warehouse, metric=ForecastMetric.DEMAND)
        .first()
    )


def forecast_days(forecast: Forecast) -> list[dict]:
    """One dict per forecast day (date, point and interval bounds), for tables, CSV and API."""
    return [
        {
            "date": day,
            "point": forecast.point[i],
            "lo80": forecast.lo80[i],
            "hi80": forecast.hi80[i],
            "lo95": forecast.lo95[i],
            "hi95": forecast.hi95[i],
        }
        for i, day in enumerate(forecast.dates)
    ]


@dataclass
class ChartData:
    history_dates: list[str]
    history: list[float]
    dates: list[str]
    point: list[float]
    lo80: list[float]
    hi80: list[float]
    lo95: list[float]
    hi95: list[float]


def forecast_chart_data(
    *, product: Product, warehouse: Warehouse, forecast: Forecast | None, history_days: int = 182
) -> ChartData:
    """Recent daily net demand (zero days filled) and the stored forecast, as plain lists."""
    end = history_end(warehouse)
    points = demand_points(
        warehouse=warehouse, end=end, product_ids=[product.pk], days=history_days
    ).get(product.pk, {})
    series = daily_fill(points, end=end, start=end - timedelta(days=history_days - 1))
    history = [max(v, 0.0) for v in series.values.tolist()]
    if forecast is None:
        return ChartData([d.isoformat() for d in series.dates], history, [], [], [], [], [], [])
    return ChartData(
        history_dates=[d.isoformat() for d in series.dates],
        history=history,
        dates=[d.isoformat() for d in forecast.dates],
        point=list(forecast.point),
        lo80=list(forecast.lo80),
        hi80=list(forecast.hi80),
        lo95=list(forecast.lo95),
        hi95=list(forecast.hi95),
    )
