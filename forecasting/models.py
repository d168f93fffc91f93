"""Demand forecasts: one row per product and warehouse, and per depot for order
volume (stops, parcels), recomputed nightly and on demand.

Invariants the database enforces: one current forecast per (warehouse, metric, product), with
a product exactly when the metric is product demand; interval arrays as long as the point
forecast; backtest MASE not negative.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Func, IntegerField, Q

__all__ = ["Forecast", "ForecastMetric"]


def _length(field: str) -> Func:
    return Func(F(field), function="cardinality", output_field=IntegerField())


class ForecastMetric(models.TextChoices):
    DEMAND = "demand", "Product demand (units)"
    STOPS = "stops", "Delivery stops"
    PARCELS = "parcels", "Parcels"


class Forecast(models.Model):
    """A daily forecast starting `start_date` (the warehouse's local date it was made for)."""

    Metric = ForecastMetric

    class ModelName(models.TextChoices):
        AUTO_ETS = "auto_ets", "AutoETS"
        AUTO_THETA = "auto_theta", "AutoTheta"
        SEASONAL_NAIVE = "seasonal_naive", "Seasonal naive (weekly)"
        CROSTON_SBA = "croston_sba", "Croston (SBA)"
        TSB = "tsb", "TSB"
        MEAN = "mean", "Mean"
        ZERO = "zero", "Zero"

    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.CASCADE, related_name="forecasts"
    )
    product = models.ForeignKey(
        "inventory.Product",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="forecasts",
    )
    metric = models.CharField(
        max_length=10, choices=ForecastMetric.choices, default=ForecastMetric.DEMAND
    )
    start_date = models.DateField(help_text="First forecast day (local date of the warehouse).")
    model_name = models.CharField(max_length=16, choices=ModelName.choices)
    demand_class = models.CharField(max_length=12, help_text="smooth, intermittent, short, empty")
    reason = models.TextField(blank=True, help_text="Why this model; data problems found.")
    point = ArrayField(models.FloatField())
    lo80 = ArrayField(models.FloatField())
    hi80 = ArrayField(models.FloatField())
    lo95 = ArrayField(models.FloatField())
    hi95 = ArrayField(models.FloatField())
    cumulative_sigma = ArrayField(
        models.FloatField(),
        default=list,
        blank=True,
        help_text="Measured sigma of the 1..n-day demand total (safety stock).",
    )
    sigma_span_days = models.PositiveIntegerField(
        default=0, help_text="Days of backtest errors behind cumulative_sigma."
    )
    mase = models.FloatField(null=True, blank=True, help_text="Backtest MASE (< 1 beats naive).")
    bias = models.FloatField(
        null=True, blank=True, help_text="Backtest bias: (Σ forecast - Σ actual) / Σ actual."
    )
    mae = models.FloatField(null=True, blank=True)
    candidates = models.JSONField(default=dict, blank=True, help_text="Backtest MASE per model.")
    history_days = models.PositiveIntegerField(default=0)
    history_total = models.IntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        # The table keeps the name it had when forecasts lived in the orders app.
        db_table = "orders_forecast"
        ordering = ["warehouse_id", "metric", "product_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "metric", "product"],
                name="uniq_forecast_series",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=(Q(metric="demand") & Q(product__isnull=False))
                | (~Q(metric="demand") & Q(product__isnull=True)),
                name="forecast_product_iff_demand",
            ),
            models.CheckConstraint(
                condition=Q(lo80__len=_length("point"))
                & Q(hi80__len=_length("point"))
                & Q(lo95__len=_length("point"))
                & Q(hi95__len=_length("point")),
                name="forecast_intervals_match_point",
            ),
            models.CheckConstraint(
                condition=Q(mase__isnull=True) | Q(mase__gte=0), name="forecast_mase_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["product", "warehouse"], name="forecast_product_idx")]

    def __str__(self) -> str:
        what = self.product_id if self.product_id else self.metric
        return f"{self.warehouse_id}/{what} from {self.start_date}: {self.model_name}"

    @property
    def horizon_days(self) -> int:
        return len(self.point)

    @property
    def dates(self) -> list:
        return [self.start_date + timedelta(days=i) for i in range(len(self.point))]

    @property
    def total(self) -> float:
        return sum(self.point)
