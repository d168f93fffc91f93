"""Vehicle pages: list, new, edit, delete."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from core.exceptions import DomainError
from routing.fleet import services
from routing.fleet.forms import VehicleForm
from routing.fleet.selectors import vehicle_list
from routing.fleet.views.common import DeleteConfirmView, FleetView, form_error

FIELDS = [f for f in VehicleForm.base_fields if f != "code"]


class VehicleListView(FleetView):
    def get(self, request):
        return render(request, "routing/fleet/vehicle_list.html", {"vehicles": vehicle_list()})


class VehicleCreateView(FleetView):
    def get(self, request):
        return self._render(request, VehicleForm())

    def post(self, request):
        form = VehicleForm(request.POST)
        if form.is_valid():
            try:
                vehicle = services.vehicle_create(**form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, f"Vehicle {vehicle.code} added.")
                return redirect("routing:fleet-vehicles")
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        context = {"form": form, "title": "New vehicle"}
        return render(request, "routing/fleet/vehicle_form.html", context, status=status)


class VehicleEditView(FleetView):
    def get(self, request, code):
        vehicle = get_object_or_404(vehicle_list(), code=code)
        initial = {name: getattr(vehicle, name) for name in FIELDS}
        return self._render(request, vehicle, VehicleForm(initial=initial, editing=True))

    def post(self, request, code):
        vehicle = get_object_or_404(vehicle_list(), code=code)
        form = VehicleForm(request.POST, editing=True)
        if form.is_valid():
            try:
                services.vehicle_update(vehicle=vehicle, **form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, f"Vehicle {vehicle.code} saved.")
                return redirect("routing:fleet-vehicles")
        return self._render(request, vehicle, form, status=400)

    def _render(self, request, vehicle, form, status=200):
        context = {"form": form, "vehicle": vehicle, "title": f"Vehicle {vehicle.code}"}
        return render(request, "routing/fleet/vehicle_form.html", context, status=status)


class VehicleDeleteView(DeleteConfirmView):
    def get_object(self, *, code):
        return get_object_or_404(vehicle_list(), code=code)

    def delete(self, obj):
        services.vehicle_delete(vehicle=obj)

    def describe(self, obj):
        return f"vehicle {obj.code} ({obj.name})"

    def back_url_for(self, obj):
        return reverse("routing:fleet-vehicle-edit", args=[obj.code])

    @property
    def done_url(self):
        return reverse("routing:fleet-vehicles")
