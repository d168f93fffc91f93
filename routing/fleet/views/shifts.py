"""Shift pages: list (by depot and days), book, edit, delete."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from core.exceptions import DomainError
from inventory.models import Warehouse
from inventory.selectors.stock import warehouse_today, warehouses_today
from routing.fleet import services
from routing.fleet.forms import ShiftFilterForm, ShiftForm
from routing.fleet.selectors import shift_list
from routing.fleet.views.common import DeleteConfirmView, FleetView, form_error

PAGE_SIZE = 100


def _shift(shift_id):
    return get_object_or_404(shift_list(), pk=shift_id)


def _back(request, default: str) -> str:
    """Where to return after saving: the page the dispatcher came from (the week view), when
    it is one of ours."""
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    return nxt if nxt.startswith("/") and not nxt.startswith("//") else default


class ShiftListView(FleetView):
    def get(self, request):
        filters = ShiftFilterForm(request.GET or None)
        date_from = date_to = depot = None
        if filters.is_valid():
            f = filters.cleaned_data
            date_from, date_to, depot = f["date_from"], f["date_to"], f["depot"]
        # From today where the depots are, for two weeks.
        date_from = date_from or (warehouse_today(depot) if depot else warehouses_today())
        date_to = date_to or date_from + dt.timedelta(days=13)
        shifts = shift_list().filter(date__gte=date_from, date__lte=date_to)
        if depot is not None:
            shifts = shifts.filter(vehicle__depot=depot)
        page = Paginator(shifts, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            "filters": filters,
            "page": page,
            "shifts": page.object_list,
            "date_from": date_from,
            "date_to": date_to,
        }
        return render(request, "routing/fleet/shift_list.html", context)


class ShiftCreateView(FleetView):
    """`?date=2026-12-08&depot=BER1` (from a week-view day cell) fills the day and offers that
    depot's vehicles only."""

    def _depot(self, request):
        code = request.GET.get("depot") or request.POST.get("depot") or ""
        return Warehouse.objects.filter(code=code).first() if code else None

    def get(self, request):
        depot = self._depot(request)
        initial = {"start_time": dt.time(8), "end_time": dt.time(16)}
        if request.GET.get("date"):
            initial["date"] = request.GET["date"]
        return self._render(request, ShiftForm(initial=initial, depot=depot), depot)

    def post(self, request):
        depot = self._depot(request)
        form = ShiftForm(request.POST, depot=depot)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                shift = services.shift_create(
                    **{k: data[k] for k in ("driver", "vehicle", "date", "start_time", "end_time")},
                    breaks=data["breaks"],
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, f"Shift #{shift.pk} booked.")
                return redirect(_back(request, reverse("routing:fleet-shifts")))
        return self._render(request, form, depot, status=400)

    def _render(self, request, form, depot, status=200):
        context = {
            "form": form,
            "depot": depot,
            "title": "Book a shift",
            "next": _back(request, ""),
        }
        return render(request, "routing/fleet/shift_form.html", context, status=status)


class ShiftEditView(FleetView):
    def get(self, request, shift_id):
        shift = _shift(shift_id)
        form = ShiftForm(initial=ShiftForm.initial_for(shift))
        return self._render(request, shift, form)

    def post(self, request, shift_id):
        shift = _shift(shift_id)
        form = ShiftForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.shift_update(
                    shift=shift,
                    **{k: data[k] for k in ("driver", "vehicle", "date", "start_time", "end_time")},
                    breaks=data["breaks"],
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, f"Shift #{shift.pk} saved.")
                return redirect(_back(request, reverse("routing:fleet-shifts")))
        return self._render(request, shift, form, status=400)

    def _render(self, request, shift, form, status=200):
        context = {
            "form": form,
            "shift": shift,
            "depot": shift.vehicle.depot,
            "title": f"Shift #{shift.pk}",
            "next": _back(request, ""),
        }
        return render(request, "routing/fleet/shift_form.html", context, status=status)


class ShiftDeleteView(DeleteConfirmView):
    def get_object(self, *, shift_id):
        return _shift(shift_id)

    def delete(self, obj):
        services.shift_delete(shift=obj)

    def describe(self, obj):
        return f"shift #{obj.pk} ({obj.vehicle.code}, {obj.driver}, {obj.date})"

    def back_url_for(self, obj):
        return reverse("routing:fleet-shift-edit", args=[obj.pk])

    @property
    def done_url(self):
        return reverse("routing:fleet-shifts")
