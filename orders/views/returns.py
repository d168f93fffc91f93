"""Return pages (thin): the returns list, requesting a return of an order, a return's page and
its actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from core.exceptions import DomainError
from core.permissions import RoleRequiredMixin
from orders import forms as f
from orders.models import Return
from orders.selectors import (
    return_get,
    return_list,
)
from orders.services import (
    RETURN_TRANSITIONS,
    return_close,
    return_in_transit,
    return_receive,
    return_refund,
    return_reject,
    return_request,
)
from orders.views.orders import DISPATCH, FLOOR, form_error, order_or_404


class ReturnListView(RoleRequiredMixin, View):
    allowed_roles = FLOOR

    def get(self, request):
        status = request.GET.get("status", "")
        qs = return_list(user=request.user, filters={"status": status}).order_by("-created_at")
        page = Paginator(qs, 100).get_page(request.GET.get("page"))
        return render(
            request,
            "orders/returns.html",
            {"page": page, "status": status, "statuses": Return.Status.choices},
        )


class ReturnCreateView(RoleRequiredMixin, View):
    allowed_roles = DISPATCH

    def get(self, request, reference):
        order = order_or_404(request, reference)
        return render(
            request,
            "orders/return_form.html",
            {"order": order, "form": f.ReturnRequestForm(order=order)},
        )

    def post(self, request, reference):
        order = order_or_404(request, reference)
        form = f.ReturnRequestForm(request.POST, order=order)
        if form.is_valid():
            try:
                ret = return_request(
                    order=order,
                    lines=form.lines(),
                    channel=Return.Channel.DISPATCHER,
                    method=form.cleaned_data["method"],
                    note=form.cleaned_data["note"],
                    record_rejection=form.cleaned_data["record_rejection"],
                    user=request.user,
                )
            except DomainError as error:
                f.form_apply_error(form, error)
            else:
                messages.success(request, f"Return {ret.reference}: {ret.get_status_display()}.")
                return redirect("orders:return", reference=ret.reference)
        return render(
            request, "orders/return_form.html", {"order": order, "form": form}, status=422
        )


class ReturnDetailView(RoleRequiredMixin, View):
    allowed_roles = FLOOR

    def _ret(self, request, reference):
        try:
            return return_get(reference=reference, user=request.user)
        except DomainError:
            raise Http404("No such return") from None

    def get(self, request, reference):
        ret = self._ret(request, reference)
        return render(
            request,
            "orders/return_detail.html",
            {
                "ret": ret,
                "allowed": RETURN_TRANSITIONS.get(ret.status, set()),
                "receive_form": f.ReturnReceiveForm(ret=ret),
                "reject_form": f.ReturnRejectForm(),
            },
        )

    def post(self, request, reference):
        ret = self._ret(request, reference)
        action = request.POST.get("action")
        try:
            if action == "receive":
                form = f.ReturnReceiveForm(request.POST, ret=ret)
                if not form.is_valid():
                    raise form_error(form)
                return_receive(
                    ret=ret,
                    conditions=form.conditions(),
                    refund_amount=form.cleaned_data["refund_amount"],
                    user=request.user,
                )
            elif action == "reject":
                form = f.ReturnRejectForm(request.POST)
                if not form.is_valid():
                    raise form_error(form)
                return_reject(ret=ret, reason=form.cleaned_data["reason"], user=request.user)
            elif action == "in_transit":
                return_in_transit(ret=ret, user=request.user)
            elif action == "refund":
                return_refund(ret=ret, user=request.user)
            elif action == "close":
                return_close(ret=ret, user=request.user)
            else:
                raise Http404("Unknown action")
        except DomainError as error:
            details = "; ".join(e["message"] for e in error.errors if e.get("message"))
            messages.error(request, f"{error.detail}" + (f" ({details})" if details else ""))
        else:
            messages.success(request, "Return updated.")
        return redirect("orders:return", reference=reference)
