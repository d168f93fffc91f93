"""The week view: for each depot and day, the shifts booked (count, working hours, stop and
parcel capacity) beside the forecast delivery volume, with a way to book a shift on a day."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.shortcuts import render

from core import timefmt
from inventory.models import Warehouse
from routing.capacity import DEFAULT_STOPS_PER_DRIVER_HOUR
from routing.fleet.forms import WeekForm
from routing.fleet.selectors import fleet_week, week_start
from routing.fleet.views.common import FleetView


class FleetWeekView(FleetView):
    """`?start=YYYY-MM-DD` (any day; the week starts on its Monday unless the link names the
    day, as the capacity cards do) and `?depot=CODE` (default: every active depot)."""

    def get(self, request):
        form = WeekForm(request.GET or None)
        depots = Warehouse.objects.filter(is_active=True).order_by("code")
        start = None
        if form.is_valid():
            start = form.cleaned_data["start"]
            if form.cleaned_data["depot"]:
                depots = depots.filter(pk=form.cleaned_data["depot"].pk)
        start = start or week_start(timefmt.today(depots))  # this week where the depots are
        days = [start + dt.timedelta(days=i) for i in range(7)]
        context = {
            "form": form,
            "start": start,
            "days": days,
            "rows": fleet_week(start=start, depots=depots),
            "previous": start - dt.timedelta(days=7),
            "following": start + dt.timedelta(days=7),
            "depot_code": form.cleaned_data.get("depot").code
            if form.is_valid() and form.cleaned_data.get("depot")
            else "",
            "rate": getattr(
                settings, "FORECAST_STOPS_PER_DRIVER_HOUR", DEFAULT_STOPS_PER_DRIVER_HOUR
            ),
        }
        return render(request, "routing/fleet/week.html", context)
