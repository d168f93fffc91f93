"""Warehouse pages for picking and packing (thin): pick waves and the packing screen."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views import View

from core.exceptions import DomainError
from core.permissions import RoleRequiredMixin
from orders import forms as f
from orders import services as svc
from orders.models import CustomerOrder, OrderStatus, PickWave
from orders.selectors import (
    order_list,
    pick_list,
)
from orders.services.picking import parcels_for
from orders.views.orders import FLOOR


class WaveListView(RoleRequiredMixin, View):
    allowed_roles = FLOOR

    def get(self, request):
        waves = PickWave.objects.select_related("warehouse").order_by("-created_at")[:50]
        waiting = (
            CustomerOrder.objects.filter(status=OrderStatus.CONFIRMED, pick_wave__isnull=True)
            .values("warehouse__code", "warehouse__name")
            .order_by("warehouse__code")
        )
        counts: dict = {}
        for row in waiting:
            key = (row["warehouse__code"], row["warehouse__name"])
            counts[key] = counts.get(key, 0) + 1
        return render(
            request,
            "orders/waves.html",
            {"waves": waves, "waiting": sorted(counts.items()), "form": f.WaveForm()},
        )

    def post(self, request):
        form = f.WaveForm(request.POST)
        if form.is_valid():
            try:
                wave = svc.pick_wave_create(
                    warehouse=form.cleaned_data["warehouse"], user=request.user
                )
            except DomainError as error:
                messages.error(request, error.detail)
            else:
                messages.success(request, f"Pick wave {wave.reference} created.")
                return redirect("orders:wave", reference=wave.reference)
        return redirect("orders:waves")


class WaveDetailView(RoleRequiredMixin, View):
    """Printable pick list of one wave, and the button that records it as picked."""

    allowed_roles = FLOOR

    def _wave(self, reference):
        wave = PickWave.objects.select_related("warehouse").filter(reference=reference).first()
        if wave is None:
            raise Http404("No such wave")
        return wave

    def get(self, request, reference):
        wave = self._wave(reference)
        if request.htmx and "progress" in request.GET:
            # The progress card polls this; once the run ended the whole page is reloaded.
            if wave.status != PickWave.Status.PICKING:
                return HttpResponse(headers={"HX-Refresh": "true"})
            return render(request, "orders/_wave_progress.html", {"wave": wave})
        orders = wave.orders.select_related("customer").order_by("window_start")
        return render(
            request,
            "orders/wave_detail.html",
            {"wave": wave, "rows": pick_list(wave=wave), "orders": orders},
        )

    def post(self, request, reference):
        """Starts the background run and answers at once (the page shows its progress)."""
        wave = self._wave(reference)
        try:
            svc.pick_wave_start(wave=wave, user=request.user)
        except DomainError as error:
            messages.error(request, error.detail)
        else:
            n = wave.orders_to_pick
            messages.success(
                request,
                f"Recording {wave.reference} as picked ({n} order{pluralize(n)}): "
                "the progress shows below.",
            )
        return redirect("orders:wave", reference=reference)


class PackingView(RoleRequiredMixin, View):
    """Picked orders waiting for packing, with their computed parcels."""

    allowed_roles = FLOOR

    def get(self, request):
        orders = list(
            order_list(user=request.user, filters={"status": OrderStatus.PICKED})
            .prefetch_related("lines__product")
            .order_by("window_start")[:100]
        )
        # From the prefetched lines: parcels_default would query each order's lines again.
        rows = [
            (
                order,
                parcels_for(
                    (line.product, line.quantity_picked or line.quantity_reserved)
                    for line in order.lines.all()
                ),
            )
            for order in orders
        ]
        return render(request, "orders/packing.html", {"rows": rows, "form": f.ParcelsForm()})
