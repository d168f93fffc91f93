"""Forecasting pages (thin): forecast list with CSV export, a product's chart (history, forecast,
80/95 % intervals) with a recompute button and the forecast-driven reorder suggestions; the
chart's script is core.charts' static plotly bundle (no CDN)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views import View

from core.charts import daily_axis, figure_html
from core.permissions import RoleRequiredMixin
from core.roles import Role
from forecasting.apis import forecasts_csv_response
from forecasting.models import Forecast, ForecastMetric
from forecasting.selectors import (
    forecast_chart_data,
    forecast_days,
    forecast_list,
    forecast_reorder_numbers,
    reorder_suggestions_forecast,
    volume_forecast,
)
from forecasting.services import (
    forecast_product_refresh_start,
    forecast_product_refresh_state,
)
from inventory.models import Product, Stock, Warehouse

READ_ROLES = [Role.PURCHASING, Role.WAREHOUSE, Role.DISPATCHER, Role.APPROVER]
WRITE_ROLES = (Role.PURCHASING, Role.WAREHOUSE)
SERVICE_LEVELS = (0.9, 0.95, 0.98, 0.99)


def _filters(request):
    warehouses = list(Warehouse.objects.filter(is_active=True).order_by("code"))
    code = request.GET.get("warehouse", "")
    warehouse = next((w for w in warehouses if w.code == code), None)
    search = request.GET.get("q", "").strip()[:64]
    return warehouses, warehouse, search


class ForecastListView(RoleRequiredMixin, View):
    allowed_roles = READ_ROLES

    def get(self, request):
        warehouses, warehouse, search = _filters(request)
        qs = forecast_list(warehouse=warehouse, search=search)
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        rows = [{"f": f, "week": sum(f.point[:7]), "month": sum(f.point)} for f in page.object_list]
        volumes = [
            (w, volume_forecast(warehouse=w, days=7))
            for w in ([warehouse] if warehouse else warehouses[:4])
        ]
        return render(
            request,
            "forecasting/list.html",
            {
                "rows": rows,
                "page": page,
                "warehouses": warehouses,
                "warehouse": warehouse,
                "search": search,
                "volumes": volumes,
            },
        )


class ForecastExportView(RoleRequiredMixin, View):
    allowed_roles = READ_ROLES

    def get(self, request):
        _, warehouse, search = _filters(request)
        return forecasts_csv_response(forecast_list(warehouse=warehouse, search=search))


def _product_warehouses(product: Product) -> list[Warehouse]:
    ids = set(Forecast.objects.filter(product=product).values_list("warehouse_id", flat=True))
    ids |= set(
        Stock.objects.filter(product=product).values_list("location__warehouse_id", flat=True)
    )
    qs = Warehouse.objects.filter(is_active=True).order_by("code")
    found = [w for w in qs if w.pk in ids]
    return found or list(qs[:1])


def _chart_html(chart) -> str:
    import plotly.graph_objects as go

    fig = go.Figure()
    if chart.dates:
        band = chart.dates + chart.dates[::-1]
        fig.add_trace(
            go.Scatter(
                x=band,
                y=chart.hi95 + chart.lo95[::-1],
                fill="toself",
                fillcolor="rgba(31,95,191,0.12)",
                line={"width": 0},
                name="95 % interval",
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=band,
                y=chart.hi80 + chart.lo80[::-1],
                fill="toself",
                fillcolor="rgba(31,95,191,0.25)",
                line={"width": 0},
                name="80 % interval",
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Bar(x=chart.history_dates, y=chart.history, name="History", marker_color="#7a8699")
    )
    if chart.dates:
        fig.add_trace(
            go.Scatter(
                x=chart.dates, y=chart.point, name="Forecast", line={"color": "#1f5fbf", "width": 2}
            )
        )
    fig.update_layout(
        height=380,
        margin={"l": 40, "r": 10, "t": 10, "b": 30},
        legend={"orientation": "h", "y": -0.15},
        yaxis_title="units per day",
        template="plotly_white",
        bargap=0.1,
    )
    daily_axis(fig, chart.history_dates + chart.dates)
    return figure_html(fig)


class ProductForecastView(RoleRequiredMixin, View):
    allowed_roles = READ_ROLES

    def get(self, request, sku: str):
        product = get_object_or_404(Product, sku=sku)
        warehouses = _product_warehouses(product)
        code = request.GET.get("warehouse") or (warehouses[0].code if warehouses else "")
        warehouse = get_object_or_404(Warehouse, code=code)
        forecast = (
            Forecast.objects.select_related("warehouse")
            .filter(product=product, warehouse=warehouse, metric=ForecastMetric.DEMAND)
            .first()
        )
        recompute = forecast_product_refresh_state(product=product, warehouse=warehouse)
        if request.htmx and "progress" in request.GET:
            if recompute and recompute["status"] != "failed":
                return render(request, "forecasting/_recompute.html", {"recompute": recompute})
            return HttpResponse(headers={"HX-Refresh": "true"})
        chart = forecast_chart_data(product=product, warehouse=warehouse, forecast=forecast)
        lead = None
        if forecast is not None and forecast.model_name != Forecast.ModelName.ZERO:
            lead = forecast_reorder_numbers(
                forecast=forecast, lead_time_days=7, service_level=0.95, available=0, on_order=0
            ).lead_time
        return render(
            request,
            "forecasting/product.html",
            {
                "product": product,
                "warehouse": warehouse,
                "warehouses": warehouses,
                "forecast": forecast,
                "days": forecast_days(forecast) if forecast else [],
                "chart_html": _chart_html(chart),
                "history_total": sum(chart.history),
                "lead": lead,
                "recompute": recompute,
            },
        )


class ProductForecastRecomputeView(RoleRequiredMixin, View):
    """ "Recompute now": queues the recompute (a second of the engine's CPU) and answers at
    once; the product page shows it running and reloads when it is done."""

    allowed_roles = list(WRITE_ROLES)

    def post(self, request, sku: str):
        product = get_object_or_404(Product, sku=sku)
        warehouse = Warehouse.objects.filter(code=request.POST.get("warehouse", "")).first()
        if warehouse is None:
            messages.error(request, "Choose a warehouse to forecast for.")
            return redirect("forecasting:forecast-product", sku=sku)
        if forecast_product_refresh_start(product=product, warehouse=warehouse).queued:
            messages.info(request, "Recomputing the forecast; this page updates when it is done.")
        else:
            messages.info(request, "The forecast is already being recomputed.")
        url = reverse("forecasting:forecast-product", kwargs={"sku": sku})
        return redirect(f"{url}?warehouse={warehouse.code}")


class ForecastReorderView(RoleRequiredMixin, View):
    """Purchasing's reorder suggestions under the forecast policy, with a service level."""

    allowed_roles = [Role.PURCHASING]

    def _service_level(self, request) -> float:
        try:
            value = float(request.GET.get("service_level") or request.POST.get("service_level"))
        except (TypeError, ValueError):
            return 0.95
        return value if value in SERVICE_LEVELS else 0.95

    def get(self, request):
        service_level = self._service_level(request)
        suggestions = reorder_suggestions_forecast(service_level=service_level)
        return render(
            request,
            "forecasting/reorder.html",
            {
                "suggestions": suggestions,
                "service_level": service_level,
                "service_levels": SERVICE_LEVELS,
            },
        )

    def post(self, request):
        from purchasing.services import reorder_purchase_orders_create

        service_level = self._service_level(request)
        chosen = {int(pk) for pk in request.POST.getlist("product") if pk.isdigit()}
        with transaction.atomic():
            orders = reorder_purchase_orders_create(
                user=request.user,
                suggestions=reorder_suggestions_forecast(service_level=service_level),
                product_ids=chosen,
            )
        if orders:
            messages.success(
                request,
                f"Created {len(orders)} draft purchase order{pluralize(len(orders))}: "
                + ", ".join(o.reference for o in orders),
            )
        else:
            messages.info(request, "Nothing selected to order.")
        return redirect(f"{reverse('forecasting:forecast-reorder')}?service_level={service_level}")
