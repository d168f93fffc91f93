"""Forecasting pages under `/orders/forecasts/` (the path they always had), namespace
`forecasting`."""

from django.urls import path

from forecasting import views as v

app_name = "forecasting"

urlpatterns = [
    path("", v.ForecastListView.as_view(), name="forecast-list"),
    path("export.csv", v.ForecastExportView.as_view(), name="forecast-export"),
    path("reorder/", v.ForecastReorderView.as_view(), name="forecast-reorder"),
    path("products/<str:sku>/", v.ProductForecastView.as_view(), name="forecast-product"),
    path(
        "products/<str:sku>/recompute/",
        v.ProductForecastRecomputeView.as_view(),
        name="forecast-product-recompute",
    ),
]
