"""Staff pages for handover at the door: a dispatcher's PIN override (a dialog on the dispatch
board's stop card), the end-of-day cash reconciliation per driver (with a CSV), and the
proof-of-delivery PDFs (one per delivery, a zip per day)."""

from __future__ import annotations

import csv
import datetime as dt

from django import forms
from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from core.exceptions import DomainError
from core.permissions import RoleRequiredMixin
from core.roles import Role
from routing.models import Driver, Stop
from tracking import clock, services
from tracking.handover import cash_reconciliation
from tracking.late_risk import operations_day
from tracking.models import ProofOfDelivery
from tracking.pod_documents import pod_filename, pod_pdf, pods_zip_stream


class PinOverrideForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        label="Reason",
        help_text="Recorded on the order's timeline, e.g. “customer confirmed by phone”.",
    )


class PinOverrideView(RoleRequiredMixin, View):
    """GET: the override dialog; POST: release the stop's PIN with a reason (htmx fragment)."""

    allowed_roles = [Role.DISPATCHER]

    def get(self, request, stop_id: int):
        stop = get_object_or_404(Stop.objects.select_related("order"), pk=stop_id)
        return render(
            request, "tracking/_pin_override.html", {"stop": stop, "form": PinOverrideForm()}
        )

    def post(self, request, stop_id: int):
        stop = get_object_or_404(Stop.objects.select_related("order"), pk=stop_id)
        form = PinOverrideForm(request.POST)
        if not form.is_valid():
            return render(
                request, "tracking/_pin_override.html", {"stop": stop, "form": form}, status=422
            )
        try:
            services.stop_pin_override(
                stop=stop, user=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, exc.detail)
            return render(
                request,
                "tracking/_pin_override.html",
                {"stop": stop, "form": form},
                status=exc.status,
            )
        response = render(request, "tracking/_pin_overridden.html", {"stop": stop})
        response["HX-Trigger"] = "board-changed"
        return response


class HandInForm(forms.Form):
    driver = forms.ModelChoiceField(queryset=Driver.objects.select_related("user"))
    currency = forms.CharField(max_length=3)
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    note = forms.CharField(max_length=300, required=False)


def _day(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("date") or request.POST.get("date") or "")
    except ValueError:
        return operations_day(now=clock.now())


class CashView(RoleRequiredMixin, TemplateView):
    """Cash on delivery per driver for a day: expected, collected (cash, card), cash handed in,
    differences flagged; staff record the cash they counted from each driver."""

    allowed_roles = [Role.DISPATCHER]
    template_name = "tracking/cash.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        day = kwargs.get("day") or _day(self.request)
        rows = cash_reconciliation(date=day)
        ctx.update(
            day=day,
            rows=rows,
            flagged=sum(r.is_flagged for r in rows),
            form=kwargs.get("form"),
            previous=day - dt.timedelta(days=1),
            next=day + dt.timedelta(days=1),
        )
        return ctx

    def post(self, request):
        day = _day(request)
        form = HandInForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.cash_handin_record(
                    driver=d["driver"],
                    date=day,
                    currency=d["currency"],
                    amount=d["amount"],
                    note=d["note"],
                    user=request.user,
                )
            except DomainError as exc:
                for error in exc.errors or [{"field": None, "message": exc.detail}]:
                    field = error.get("field")
                    form.add_error(field if field in form.fields else None, error["message"])
            else:
                messages.success(
                    request, f"Recorded {d['amount']} {d['currency'].upper()} from {d['driver']}."
                )
                return redirect(f"{reverse('tracking:cash')}?date={day.isoformat()}")
        return self.render_to_response(self.get_context_data(day=day, form=form), status=422)


class CashCsvView(RoleRequiredMixin, View):
    allowed_roles = [Role.DISPATCHER]

    def get(self, request):
        day = _day(request)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="cash-{day.isoformat()}.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "date",
                "driver",
                "driver_name",
                "currency",
                "cod_orders",
                "expected",
                "collected_cash",
                "collected_card",
                "collected_total",
                "collected_minus_expected",
                "cash_handed_in",
                "handed_in_minus_cash",
                "flagged",
            ]
        )
        for r in cash_reconciliation(date=day):
            writer.writerow(
                [
                    day.isoformat(),
                    r.driver.user.username,
                    r.driver.user.get_full_name(),
                    r.currency,
                    r.orders,
                    r.expected,
                    r.cash,
                    r.card,
                    r.collected,
                    r.collected_difference,
                    "" if r.handed_in is None else r.handed_in,
                    "" if r.cash_difference is None else r.cash_difference,
                    "yes" if r.is_flagged else "no",
                ]
            )
        return response


class PodPdfView(RoleRequiredMixin, View):
    """A delivery's proof as a PDF, for staff who see the order's page."""

    allowed_roles = [Role.DISPATCHER, Role.WAREHOUSE]

    def get(self, request, pk: int):
        pod = get_object_or_404(ProofOfDelivery.objects.select_related("order__warehouse"), pk=pk)
        response = HttpResponse(pod_pdf(pod=pod), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{pod_filename(pod)}"'
        return response


class PodZipView(RoleRequiredMixin, View):
    """Every proof of delivery of a day (the plan's date) as PDFs in one zip."""

    allowed_roles = [Role.DISPATCHER]

    def get(self, request):
        day = _day(request)
        response = StreamingHttpResponse(pods_zip_stream(date=day), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="pod-{day.isoformat()}.zip"'
        return response
