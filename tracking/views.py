"""Staff pages: the dispatcher's live board (ETAs, late risk), KPIs with charts, and the
driver web app's page (mobile-first; its actions go to the driver API)."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
from django import forms
from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import TemplateView

from core import timefmt
from core.charts import chart_html, daily_axis
from core.permissions import RoleRequiredMixin
from core.roles import Role
from inventory.models import Warehouse
from inventory.selectors.stock import warehouses_today
from orders.models import FailureReason
from tracking import clock
from tracking.kpis import kpis_compute
from tracking.late_risk import late_risk_count, operations_day, stop_is_late_risk
from tracking.models import ProofOfDelivery
from tracking.selectors import driver_day, live_routes
from tracking.services import driver_route_today


class LiveBoardView(RoleRequiredMixin, TemplateView):
    """ "Deliveries": every stop of a day as a table (the dispatch board is the map to act on)."""

    allowed_roles = [Role.DISPATCHER]
    template_name = "tracking/live.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        now = clock.now()
        depot = Warehouse.objects.filter(is_active=True).order_by("code").first()
        try:
            day = dt.date.fromisoformat(self.request.GET.get("date", ""))
        except ValueError:
            day = operations_day(now=now)  # as on the board and the dashboard
        routes = live_routes(date=day)
        for route in routes:
            for stop in route.stops.all():
                stop.is_late_risk = stop_is_late_risk(stop)
        depots = {r.vehicle.depot for r in routes} or ({depot} if depot else set())
        ctx.update(
            now=now,
            zones_differ=timefmt.zones_differ(depots),
            zone=timefmt.zone_label(next(iter(depots))) if depots else "",
        )
        ctx.update(day=day, routes=routes, at_risk=late_risk_count(date=day))
        return ctx


class KpiForm(forms.Form):
    date_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.filter(is_active=True), required=False, empty_label="All"
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end must not be before the start.")
        return data


class KpiView(RoleRequiredMixin, TemplateView):
    allowed_roles = [Role.DISPATCHER]
    template_name = "tracking/kpis.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # The last two weeks up to today where the depots are (plans' dates are theirs).
        today = warehouses_today(now=clock.now())
        initial = {"date_from": today - dt.timedelta(days=13), "date_to": today}
        form = KpiForm(self.request.GET or None, initial=initial)
        values = form.cleaned_data if form.is_valid() else {**initial, "warehouse": None}
        if self.request.GET and not form.is_valid():
            values = None
        ctx["form"] = form
        if values:
            kpis = kpis_compute(
                date_from=values["date_from"],
                date_to=values["date_to"],
                warehouse=values.get("warehouse"),
            )
            ctx["kpis"] = kpis
            ctx["charts"] = _charts(kpis)
        return ctx


def _charts(kpis) -> list[str]:
    charts = []
    if kpis.daily:
        days = [d["date"] for d in kpis.daily]
        fig = go.Figure()
        fig.add_bar(x=days, y=[d["delivered"] for d in kpis.daily], name="Delivered")
        fig.add_scatter(
            x=days,
            y=[(d["on_time_rate"] or 0) * 100 for d in kpis.daily],
            name="On time %",
            yaxis="y2",
            mode="lines+markers",
        )
        fig.update_layout(
            title="Deliveries and on-time rate per day",
            yaxis={"title": "deliveries"},
            yaxis2={"title": "on time %", "overlaying": "y", "side": "right", "range": [0, 100]},
            legend={"orientation": "h"},
        )
        daily_axis(fig, days)
        charts.append(chart_html(fig))
    if kpis.failed_reasons:
        fig = go.Figure(
            go.Bar(
                x=list(kpis.failed_reasons.values()), y=list(kpis.failed_reasons), orientation="h"
            )
        )
        fig.update_layout(title="Failed deliveries by reason")
        charts.append(chart_html(fig, height=260))
    return charts


class ProofFileView(RoleRequiredMixin, View):
    """A proof of delivery's photo or signature, for staff who see the order's page."""

    allowed_roles = [Role.DISPATCHER, Role.WAREHOUSE]

    def get(self, request, pk: int, kind: str):
        pod = get_object_or_404(ProofOfDelivery, pk=pk)
        file = getattr(pod, kind, None) if kind in ("photo", "signature") else None
        if not file:
            raise Http404("No such file.")
        return FileResponse(file.open("rb"))


class DriverHomeView(RoleRequiredMixin, TemplateView):
    allowed_roles = [Role.DRIVER]
    template_name = "tracking/driver.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        route = driver_route_today(user=self.request.user)
        ctx["route"] = route
        ctx["stops"] = driver_day(route=route) if route else []
        ctx["reasons"] = FailureReason.choices
        ctx["started"] = bool(
            route and getattr(getattr(route, "eta", None), "started_at", None)
        ) or bool(route and route.status != "planned")
        ctx["ping_interval_s"] = 15
        ctx["map_tiles"] = settings.MAP_TILES_URL
        return ctx
