"""Driver pages: list, new, edit (with time off), delete."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from core.exceptions import DomainError
from routing.fleet import services
from routing.fleet.forms import DriverForm, TimeOffForm
from routing.fleet.models import DriverTimeOff
from routing.fleet.selectors import driver_list, time_off_shifts
from routing.fleet.views.common import DeleteConfirmView, FleetView, form_error

USER_FIELDS = ("first_name", "last_name", "email")
DRIVER_FIELDS = (
    "phone", "skills", "default_vehicle", "working_days", "work_start", "work_end", "is_active",
)  # fmt: skip


def _driver(driver_id):
    return get_object_or_404(driver_list(), pk=driver_id)


class DriverListView(FleetView):
    def get(self, request):
        return render(request, "routing/fleet/driver_list.html", {"drivers": driver_list()})


class DriverCreateView(FleetView):
    def get(self, request):
        return self._render(request, DriverForm())

    def post(self, request):
        form = DriverForm(request.POST)
        if form.is_valid():
            try:
                driver = services.driver_create(**form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, f"Driver {driver} added.")
                return redirect("routing:fleet-driver-edit", driver_id=driver.pk)
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        context = {"form": form, "title": "New driver"}
        return render(request, "routing/fleet/driver_form.html", context, status=status)


def _initial(driver) -> dict:
    initial = {name: getattr(driver.user, name) for name in USER_FIELDS}
    for name in DRIVER_FIELDS:
        initial[name] = getattr(driver, name)
    return initial


def _time_off_rows(driver) -> list[dict]:
    rows = []
    for off in DriverTimeOff.objects.filter(driver=driver).order_by("-start_date")[:50]:
        rows.append({"off": off, "shifts": time_off_shifts(time_off=off)})
    return rows


def _edit_context(driver, form, time_off_form=None) -> dict:
    return {
        "form": form,
        "driver": driver,
        "title": f"Driver {driver}",
        "time_off_form": time_off_form or TimeOffForm(),
        "time_off": _time_off_rows(driver),
    }


class DriverEditView(FleetView):
    def get(self, request, driver_id):
        driver = _driver(driver_id)
        form = DriverForm(initial=_initial(driver), editing=True)
        return render(request, "routing/fleet/driver_form.html", _edit_context(driver, form))

    def post(self, request, driver_id):
        driver = _driver(driver_id)
        form = DriverForm(request.POST, editing=True)
        if form.is_valid():
            try:
                services.driver_update(driver=driver, **form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, f"Driver {driver} saved.")
                return redirect("routing:fleet-drivers")
        context = _edit_context(driver, form)
        return render(request, "routing/fleet/driver_form.html", context, status=400)


class TimeOffAddView(FleetView):
    """POST: add days off; the driver's page then lists any shifts booked on them."""

    def post(self, request, driver_id):
        driver = _driver(driver_id)
        form = TimeOffForm(request.POST)
        if form.is_valid():
            try:
                off = services.driver_time_off_add(driver=driver, **form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                booked = time_off_shifts(time_off=off)
                text = f"Time off {off.start_date} to {off.end_date} added."
                if booked:
                    text += (
                        f" {len(booked)} shift(s) already booked on those days will not be "
                        "planned: reassign them."
                    )
                    messages.warning(request, text)
                else:
                    messages.success(request, text)
                return redirect("routing:fleet-driver-edit", driver_id=driver.pk)
        context = _edit_context(driver, DriverForm(initial=_initial(driver), editing=True), form)
        return render(request, "routing/fleet/driver_form.html", context, status=400)


class TimeOffDeleteView(FleetView):
    def post(self, request, driver_id, time_off_id):
        off = get_object_or_404(DriverTimeOff, pk=time_off_id, driver_id=driver_id)
        services.driver_time_off_remove(time_off=off)
        messages.success(request, f"Time off {off.start_date} to {off.end_date} removed.")
        return redirect("routing:fleet-driver-edit", driver_id=driver_id)


class DriverDeleteView(DeleteConfirmView):
    def get_object(self, *, driver_id):
        return _driver(driver_id)

    def delete(self, obj):
        services.driver_delete(driver=obj)

    def describe(self, obj):
        return f"driver {obj} ({obj.user.username})"

    def back_url_for(self, obj):
        return reverse("routing:fleet-driver-edit", args=[obj.pk])

    @property
    def done_url(self):
        return reverse("routing:fleet-drivers")
