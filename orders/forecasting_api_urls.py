"""`/api/v1/forecasts/…` (included from orders/api_urls.py)."""

from django.urls import path

from orders.apis import forecasting as api

urlpatterns = [
    path("", api.ForecastListApi.as_view(), name="forecast-api-list"),
    path("export.csv", api.ForecastExportApi.as_view(), name="forecast-api-export"),
    path(
        "reorder-suggestions/",
        api.ForecastReorderSuggestionsApi.as_view(),
        name="forecast-api-reorder",
    ),
    path("volume/<str:warehouse>/", api.VolumeForecastApi.as_view(), name="forecast-api-volume"),
    path("<str:warehouse>/<str:sku>/", api.ForecastDetailApi.as_view(), name="forecast-api-detail"),
    path(
        "<str:warehouse>/<str:sku>/recompute/",
        api.ForecastRecomputeApi.as_view(),
        name="forecast-api-recompute",
    ),
]
