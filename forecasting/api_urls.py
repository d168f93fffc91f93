"""`/api/v1/forecasts/…` (included from config/urls.py)."""

from django.urls import path

from forecasting import apis as api

urlpatterns = [
    path("forecasts/", api.ForecastListApi.as_view(), name="forecast-api-list"),
    path("forecasts/export.csv", api.ForecastExportApi.as_view(), name="forecast-api-export"),
    path(
        "forecasts/reorder-suggestions/",
        api.ForecastReorderSuggestionsApi.as_view(),
        name="forecast-api-reorder",
    ),
    path(
        "forecasts/volume/<str:warehouse>/",
        api.VolumeForecastApi.as_view(),
        name="forecast-api-volume",
    ),
    path(
        "forecasts/<str:warehouse>/<str:sku>/",
        api.ForecastDetailApi.as_view(),
        name="forecast-api-detail",
    ),
    path(
        "forecasts/<str:warehouse>/<str:sku>/recompute/",
        api.ForecastRecomputeApi.as_view(),
        name="forecast-api-recompute",
    ),
    path(
        "forecasts/<str:warehouse>/<str:sku>/recompute/runs/<str:run_id>/",
        api.ForecastRecomputeRunApi.as_view(),
        name="forecast-api-recompute-run",
    ),
]
