"""django-filter filter set of the forecast list and its CSV export (held to its types by
core.filtering.ApiFilterBackend)."""

from __future__ import annotations

import django_filters

from core.exceptions import ValidationFailed
from forecasting.models import Forecast, ForecastMetric
from inventory.selectors import product_get_by_sku, warehouse_get_by_code


class ForecastFilter(django_filters.FilterSet):
    """Forecasts of one metric (demand when not given), optionally of one warehouse (code) and
    one product (SKU). An unknown code or SKU answers 404 naming it; only demand forecasts
    belong to a product (422 naming `metric` otherwise)."""

    warehouse = django_filters.CharFilter(method="_warehouse", max_length=10)
    product = django_filters.CharFilter(method="_product", max_length=64)
    metric = django_filters.ChoiceFilter(
        choices=ForecastMetric.choices, method="_metric", help_text="Default: demand."
    )

    class Meta:
        model = Forecast
        fields: list[str] = []

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        metric = data.get("metric") or ForecastMetric.DEMAND
        if data.get("product") and metric != ForecastMetric.DEMAND:
            raise ValidationFailed(
                "Only demand forecasts belong to a product.", field="metric", code="invalid"
            )
        return super().filter_queryset(queryset.filter(metric=metric))

    def _warehouse(self, queryset, name, value):
        return queryset.filter(warehouse=warehouse_get_by_code(code=value))

    def _product(self, queryset, name, value):
        return queryset.filter(product=product_get_by_sku(sku=value))

    def _metric(self, queryset, name, value):
        return queryset  # applied (with its default) in filter_queryset
