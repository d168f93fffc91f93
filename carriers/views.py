"""Carrier pages: carriers and rate cards, the hand-off comparison for an order and for a
plan, labels and cancellation."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from carriers import services
from carriers.apps import MANAGE_ROLES
from carriers.forms import CarrierForm, HandOffForm
from carriers.models import Carrier, Shipment
from carriers.selectors import carriers_list
from core.exceptions import DomainError
from core.permissions import RoleRequiredMixin
from core.roles import Role
from orders.models import CustomerOrder
from routing.models import Plan


class CarrierListView(RoleRequiredMixin, View):
    allowed_roles = MANAGE_ROLES

    def get(self, request):
        return render(request, "carriers/carrier_list.html", {"carriers": carriers_list()})


class CarrierEditView(RoleRequiredMixin, View):
    allowed_roles = MANAGE_ROLES

    def _carrier(self, code):
        return get_object_or_404(Carrier, code=code) if code else None

    def get(self, request, code=None):
        carrier = self._carrier(code)
        form = CarrierForm(initial=CarrierForm.initial_for(carrier) if carrier else None)
        return render(request, "carriers/carrier_form.html", {"form": form, "carrier": carrier})

    def post(self, request, code=None):
        carrier = self._carrier(code)
        form = CarrierForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.carrier_save(
                    carrier=carrier,
                    code=data["code"],
                    name=data["name"],
                    kind=data["kind"],
                    currency=data["currency"].upper(),
                    transit_days=data["transit_days"],
                    is_active=data["is_active"],
                    **form.rate_card(),
                )
            except DomainError as exc:
                field = (exc.errors[0]["field"] if exc.errors else "").split("[")[0]
                form.add_error(field if field in form.fields else None, exc.detail)
            else:
                messages.success(request, f"Saved {saved.name}.")
                return redirect("carriers:carrier-list")
        return render(
            request, "carriers/carrier_form.html", {"form": form, "carrier": carrier}, status=422
        )


class OrderCompareView(RoleRequiredMixin, View):
    """The own fleet's cost against each carrier's price for one order; POST hands it off."""

    allowed_roles = MANAGE_ROLES

    def get(self, request, reference):
        order = get_object_or_404(
            CustomerOrder.objects.select_related("warehouse"), reference=reference
        )
        try:
            comparison = services.handoff_compare(order=order)
        except DomainError as exc:
            messages.error(request, exc.detail)
            return redirect("orders:detail", reference=reference)
        return render(request, "carriers/order_compare.html", {"order": order, "c": comparison})

    def post(self, request, reference):
        order = get_object_or_404(CustomerOrder, reference=reference)
        form = HandOffForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose an active carrier.")
            return redirect("carriers:order-compare", reference=reference)
        return _hand_off(request, order, form.cleaned_data["carrier"])


class PlanCompareView(RoleRequiredMixin, View):
    """Every stop of an unpublished plan: own-fleet saving against carriers' prices."""

    allowed_roles = MANAGE_ROLES

    def get(self, request, reference):
        plan = get_object_or_404(Plan, reference=reference)
        rows = services.plan_compare(plan=plan)
        return render(request, "carriers/plan_compare.html", {"plan": plan, "rows": rows})

    def post(self, request, reference):
        plan = get_object_or_404(Plan, reference=reference)
        form = HandOffForm(request.POST)
        if not form.is_valid() or not form.cleaned_data["order"]:
            messages.error(request, "Choose an order and an active carrier.")
            return redirect("carriers:plan-compare", reference=reference)
        order = get_object_or_404(CustomerOrder, reference=form.cleaned_data["order"], plans=plan)
        _hand_off(request, order, form.cleaned_data["carrier"])
        return redirect("carriers:plan-compare", reference=reference)


def _hand_off(request, order, carrier):
    try:
        own, _currency, basis = services.decision.own_fleet_cost(order)
        shipment = services.order_hand_off(
            order=order, carrier=carrier, user=request.user, own_cost=own, own_cost_basis=basis
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("carriers:order-compare", reference=order.reference)
    messages.success(
        request,
        f"{order.reference} handed to {carrier.name}: tracking number "
        f"{shipment.tracking_number}, {shipment.price} {shipment.currency}.",
    )
    return redirect("orders:detail", reference=order.reference)


class ShipmentLabelView(RoleRequiredMixin, View):
    allowed_roles = (*MANAGE_ROLES, Role.WAREHOUSE)

    def get(self, request, tracking_number):
        shipment = get_object_or_404(
            Shipment.objects.select_related("carrier", "order__warehouse", "order__customer"),
            tracking_number=tracking_number,
        )
        if not shipment.is_active:
            raise Http404("The shipment was cancelled.")
        pdf = services.shipments.adapter_for(shipment.carrier).label(shipment)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="label-{tracking_number}.pdf"'
        return response


class ShipmentCancelView(RoleRequiredMixin, View):
    allowed_roles = MANAGE_ROLES

    def post(self, request, tracking_number):
        shipment = get_object_or_404(Shipment, tracking_number=tracking_number)
        try:
            services.shipment_cancel(
                shipment=shipment, user=request.user, reason=request.POST.get("reason", "")[:200]
            )
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"Booking {tracking_number} cancelled.")
        return redirect(reverse("orders:detail", kwargs={"reference": shipment.order.reference}))
