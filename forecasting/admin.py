"""Admin for forecasts: read-only (rows are recomputed by the forecasting services)."""

from django.contrib import admin

from forecasting.models import Forecast


@admin.register(Forecast)
class ForecastAdmin(admin.ModelAdmin):
    list_display = ["warehouse", "metric", "product", "start_date", "model_name", "mase"]
    list_filter = ["metric", "warehouse", "model_name"]
    search_fields = ["product__sku"]
    raw_id_fields = ["product"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
