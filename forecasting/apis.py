"""Forecasting API under `/api/v1/forecasts/`: list and read forecasts per product and warehouse,
CSV export, recompute one product (queued: 202 and a run to poll), order volume per depot,
forecast-driven reorder suggestions.

Staff sessions only (partner keys have no forecasting scope, so they get 403): reads for
purchasing, warehouse, dispatcher and approver roles; recompute for purchasing and warehouse.
Bad query parameters answer 400/422 problem details naming the parameter.
"""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFound
from core.idempotency import idempotent
from core.pagination import CursorPagination
from core.permissions import HasScope
from core.roles import Role
from forecasting.filters import ForecastFilter
from forecasting.models import Forecast
from forecasting.selectors import (
    forecast_days,
    forecast_get,
    forecast_list,
    reorder_suggestions_for_policy,
    volume_forecast,
)
from forecasting.services import (
    RUN_STATUSES,
    forecast_product_refresh_start,
    forecast_recompute_run_get,
)
from inventory.selectors import product_get_by_sku, warehouse_get_by_code
from purchasing.serializers import suggestion_data, suggestion_fields

READ_ROLES = [Role.PURCHASING, Role.WAREHOUSE, Role.DISPATCHER, Role.APPROVER]
WRITE_ROLES = [Role.PURCHASING, Role.WAREHOUSE]


class ReadAccess:
    permission_classes = [HasScope]
    required_scopes: dict = {}
    allowed_roles = READ_ROLES


class WriteAccess(ReadAccess):
    allowed_roles = WRITE_ROLES


class ForecastDayOutput(serializers.Serializer):
    date = serializers.DateField()
    point = serializers.FloatField()
    lo80 = serializers.FloatField()
    hi80 = serializers.FloatField()
    lo95 = serializers.FloatField()
    hi95 = serializers.FloatField()


class ForecastOutput(serializers.Serializer):
    warehouse = serializers.CharField(source="warehouse.code")
    product = serializers.SerializerMethodField()
    metric = serializers.CharField()
    start_date = serializers.DateField()
    horizon_days = serializers.IntegerField()
    model = serializers.CharField(source="model_name")
    demand_class = serializers.CharField()
    reason = serializers.CharField()
    mase = serializers.FloatField(allow_null=True)
    bias = serializers.FloatField(allow_null=True)
    history_days = serializers.IntegerField()
    total = serializers.FloatField()
    computed_at = serializers.DateTimeField()
    days = serializers.SerializerMethodField()

    def get_product(self, forecast) -> str | None:
        return forecast.product.sku if forecast.product_id else None

    def get_days(self, forecast) -> list[dict]:
        return ForecastDayOutput(forecast_days(forecast), many=True).data


class ForecastPagination(CursorPagination):
    ordering = "id"


class ForecastListApi(ReadAccess, generics.ListAPIView):
    """GET /api/v1/forecasts/?warehouse=CODE&product=SKU&metric=demand|stops|parcels"""

    serializer_class = ForecastOutput
    pagination_class = ForecastPagination
    filterset_class = ForecastFilter

    def get_queryset(self):
        return forecast_list(metric=None)


class ForecastDetailApi(ReadAccess, APIView):
    """GET /api/v1/forecasts/<warehouse>/<sku>/"""

    @extend_schema(responses=ForecastOutput)
    def get(self, request, warehouse: str, sku: str):
        forecast = forecast_get(
            product=product_get_by_sku(sku=sku, field="sku"),
            warehouse=warehouse_get_by_code(code=warehouse),
        )
        if forecast is None:
            raise NotFound(f"No forecast yet for {sku} at {warehouse}; recompute it.", field="sku")
        return Response(ForecastOutput(forecast).data)


class ForecastRecomputeRunOutput(serializers.Serializer):
    """A queued recompute of one product's forecast (`forecast_recompute_run_get`)."""

    id = serializers.CharField()
    url = serializers.URLField()
    warehouse = serializers.CharField()
    product = serializers.CharField()
    status = serializers.ChoiceField(choices=RUN_STATUSES)
    detail = serializers.CharField(allow_blank=True)
    errors = serializers.ListField(child=serializers.DictField())
    queued_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    result = ForecastOutput(allow_null=True, help_text="The forecast, once `status` is done.")


def _run_body(request, *, run_id: str, run: dict, product, warehouse) -> dict:
    url = reverse("forecast-api-recompute-run", args=[warehouse.code, product.sku, run_id])
    forecast = (
        forecast_get(product=product, warehouse=warehouse) if run["status"] == "done" else None
    )
    return {
        "id": run_id,
        "url": request.build_absolute_uri(url),
        "warehouse": warehouse.code,
        "product": product.sku,
        "status": run["status"],
        "detail": run["detail"],
        "errors": run["errors"],
        "queued_at": run["queued_at"],
        "started_at": run["started_at"],
        "finished_at": run["finished_at"],
        "result": ForecastOutput(forecast).data if forecast is not None else None,
    }


class ForecastRecomputeApi(WriteAccess, APIView):
    """POST /api/v1/forecasts/<warehouse>/<sku>/recompute/ — queue a recompute of the product's
    forecast and answer 202 with its run (`Location`); while one is queued or running for that
    product, its run is answered and nothing more is queued."""

    @extend_schema(request=None, responses={202: ForecastRecomputeRunOutput})
    @idempotent
    def post(self, request, warehouse: str, sku: str):
        product = product_get_by_sku(sku=sku, field="sku")
        warehouse = warehouse_get_by_code(code=warehouse)
        start = forecast_product_refresh_start(product=product, warehouse=warehouse)
        body = _run_body(
            request, run_id=start.run_id, run=start.run, product=product, warehouse=warehouse
        )
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class ForecastRecomputeRunApi(ReadAccess, APIView):
    """GET /api/v1/forecasts/<warehouse>/<sku>/recompute/runs/<id>/ — where a recompute is:
    queued → running → done (`result` is the forecast) or failed (`detail`, `errors`). Runs are
    kept a day; an unknown one, or another product's, answers 404."""

    @extend_schema(responses={200: ForecastRecomputeRunOutput})
    def get(self, request, warehouse: str, sku: str, run_id: str):
        product = product_get_by_sku(sku=sku, field="sku")
        warehouse = warehouse_get_by_code(code=warehouse)
        run = forecast_recompute_run_get(run_id=run_id, product=product, warehouse=warehouse)
        if run is None:
            raise NotFound(f"No recompute run {run_id} for {sku} at {warehouse.code}.")
        return Response(
            _run_body(request, run_id=run_id, run=run, product=product, warehouse=warehouse)
        )


CSV_COLUMNS = [
    "warehouse",
    "product",
    "metric",
    "date",
    "point",
    "lo80",
    "hi80",
    "lo95",
    "hi95",
    "model",
    "mase",
    "bias",
    "computed_at",
]


def forecasts_csv_response(forecasts, *, filename: str = "forecasts.csv") -> HttpResponse:
    """One CSV row per forecast day (used by the API and the forecast list page)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for forecast in (
        forecasts.iterator(chunk_size=500) if hasattr(forecasts, "iterator") else forecasts
    ):
        sku = forecast.product.sku if forecast.product_id else ""
        for day in forecast_days(forecast):
            writer.writerow(
                [
                    forecast.warehouse.code,
                    sku,
                    forecast.metric,
                    day["date"].isoformat(),
                    *(f"{day[k]:.3f}" for k in ("point", "lo80", "hi80", "lo95", "hi95")),
                    forecast.model_name,
                    "" if forecast.mase is None else f"{forecast.mase:.4f}",
                    "" if forecast.bias is None else f"{forecast.bias:.4f}",
                    forecast.computed_at.isoformat(),
                ]
            )
    return response


class ForecastExportApi(ReadAccess, generics.GenericAPIView):
    """GET /api/v1/forecasts/export.csv?warehouse=&product=&metric= — one row per day."""

    filterset_class = ForecastFilter
    pagination_class = None

    def get_queryset(self):
        return forecast_list(metric=None)

    @extend_schema(filters=True, responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        return forecasts_csv_response(self.filter_queryset(self.get_queryset()))


class ForecastVolumeInput(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=28, default=7)


class ForecastVolumeDayOutput(serializers.Serializer):
    date = serializers.DateField()
    stops = serializers.FloatField()
    stops_hi80 = serializers.FloatField()
    parcels = serializers.FloatField()
    parcels_hi80 = serializers.FloatField()
    booked_stops = serializers.IntegerField()
    has_forecast = serializers.BooleanField()


class VolumeForecastApi(ReadAccess, APIView):
    """GET /api/v1/forecasts/volume/<warehouse>/?days=7 — expected stops and parcels per day
    from tomorrow (never below the orders already booked)."""

    @extend_schema(
        parameters=[ForecastVolumeInput],
        responses=inline_serializer(
            "ForecastVolume",
            {"warehouse": serializers.CharField(), "days": ForecastVolumeDayOutput(many=True)},
        ),
    )
    def get(self, request, warehouse: str):
        data = ForecastVolumeInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        days = volume_forecast(
            warehouse=warehouse_get_by_code(code=warehouse), days=data.validated_data["days"]
        )
        return Response(
            {"warehouse": warehouse, "days": ForecastVolumeDayOutput(days, many=True).data}
        )


class ForecastSuggestionInput(serializers.Serializer):
    policy = serializers.ChoiceField(choices=["fixed", "forecast"], default="forecast")
    service_level = serializers.FloatField(min_value=0.5, max_value=0.999, default=0.95)
    warehouse = serializers.CharField(required=False, max_length=10)


class ForecastReorderSuggestionsApi(ReadAccess, APIView):
    """GET /api/v1/forecasts/reorder-suggestions/?policy=forecast&service_level=0.95"""

    allowed_roles = [Role.PURCHASING, Role.APPROVER, Role.WAREHOUSE]

    @extend_schema(
        parameters=[ForecastSuggestionInput],
        responses=inline_serializer(
            "ForecastReorderSuggestions",
            {
                "policy": serializers.CharField(),
                "service_level": serializers.FloatField(),
                "results": inline_serializer(
                    "ForecastReorderSuggestion",
                    {**suggestion_fields(), "reason": serializers.CharField()},
                    many=True,
                ),
            },
        ),
    )
    def get(self, request):
        data = ForecastSuggestionInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        warehouse = (
            warehouse_get_by_code(code=values["warehouse"]) if values.get("warehouse") else None
        )
        suggestions = reorder_suggestions_for_policy(
            reorder_policy=values["policy"],
            warehouse=warehouse,
            service_level=values["service_level"],
        )
        return Response(
            {
                "policy": values["policy"],
                "service_level": values["service_level"],
                "results": [{**suggestion_data(s), "reason": s.reason} for s in suggestions],
            }
        )


__all__ = [
    "Forecast",
    "ForecastDetailApi",
    "ForecastExportApi",
    "ForecastListApi",
    "ForecastRecomputeApi",
    "ForecastRecomputeRunApi",
    "ForecastReorderSuggestionsApi",
    "VolumeForecastApi",
    "forecasts_csv_response",
]
