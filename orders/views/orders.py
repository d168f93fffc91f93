"""Dispatcher pages for customer orders (thin: parse, call, render): the board, creating and
importing orders, an order's page and its actions."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views import View

from core.exceptions import DomainError
from core.navigation import page_sections_for
from core.permissions import RoleRequiredMixin, user_can
from core.roles import Role
from inventory.selectors.stock import warehouses_today
from orders import forms as f
from orders import services as svc
from orders.models import CustomerOrder, OrderStatus
from orders.selectors import (
    late_risk,
    local_time,
    order_get,
    order_list,
    order_shortfall_safe,
    status_counts,
)
from orders.services.import_runs import orders_import_run_get, orders_import_run_start

DISPATCH = [Role.DISPATCHER]
FLOOR = [Role.DISPATCHER, Role.WAREHOUSE]
BOARD_LIMIT = 100


class BoardView(RoleRequiredMixin, View):
    """Order board: filters, counts per status, late risk."""

    allowed_roles = FLOOR

    def get(self, request):
        params = request.GET.copy()
        if not params:  # the board opens on today's orders: today where the warehouses are
            params["date"] = warehouses_today().isoformat()
        form = f.BoardFilterForm(params)
        filters: dict = {}
        late_only = False
        if form.is_valid():
            d = form.cleaned_data
            filters = {
                "status": d["status"],
                "date": d["date"],
                "warehouse": d["warehouse"].code if d["warehouse"] else "",
                "partner": d["partner"].code if d["partner"] else "",
                "q": d["q"],
                "needs_location": d["needs_location"],
            }
            late_only = d["late"]
        qs = order_list(
            user=request.user, filters={k: v for k, v in filters.items() if k != "status"}
        )
        if form.is_valid() and (form.cleaned_data["window_from"] or form.cleaned_data["window_to"]):
            qs = _window_filter(qs, form.cleaned_data)
        counts = status_counts(qs)
        if filters.get("status"):
            qs = qs.filter(status=filters["status"])
        if late_only:
            now = timezone.now()
            open_statuses = [s for s in OrderStatus.values if s not in ("delivered", "cancelled")]
            qs = qs.filter(status__in=open_statuses).filter(
                Q(window_end__lte=now) | Q(window_start__lt=now + timedelta(hours=4))
            )
        qs = qs.order_by("window_start", "pk")
        page = Paginator(qs, BOARD_LIMIT).get_page(request.GET.get("page"))
        now = timezone.now()
        rows = [(order, late_risk(order, now=now)) for order in page]
        if late_only:
            rows = [(o, risk) for o, risk in rows if risk]
        return render(
            request,
            "orders/board.html",
            {
                "form": form,
                "rows": rows,
                "page": page,
                "counts": [(s, label, counts.get(s, 0)) for s, label in OrderStatus.choices],
                "pager_query": params,  # the filters applied (today's date when none given)
            },
        )


def _window_filter(qs, data):
    """Windows overlapping a time-of-day range, read in each order's warehouse time zone."""
    qs = qs.annotate(local_start=local_time("window_start"), local_end=local_time("window_end"))
    if data["window_from"]:
        qs = qs.filter(local_end__gt=data["window_from"])
    if data["window_to"]:
        qs = qs.filter(local_start__lt=data["window_to"])
    return qs


class OrderCreateView(RoleRequiredMixin, View):
    allowed_roles = DISPATCH
    template = "orders/order_form.html"

    def get(self, request):
        return render(
            request, self.template, {"form": f.OrderForm(), "lines": f.OrderLineFormSet(prefix="l")}
        )

    def post(self, request):
        form = f.OrderForm(request.POST)
        lines = f.OrderLineFormSet(request.POST, prefix="l")
        if form.is_valid() and lines.is_valid():
            d = form.cleaned_data
            tz = d["warehouse"].tzinfo
            try:
                order = svc.order_create(
                    warehouse=d["warehouse"],
                    customer_name=d["customer_name"],
                    customer_email=d["customer_email"],
                    customer_phone=d["customer_phone"],
                    address=d["address"],
                    latitude=d["latitude"],
                    longitude=d["longitude"],
                    window_start=f.localize(d["window_start"], tz),
                    window_end=f.localize(d["window_end"], tz),
                    service_time_s=d["service_time_s"],
                    priority=d["priority"],
                    required_skills=d["required_skills"],
                    instructions=d["instructions"],
                    requires_pin=d["requires_pin"],
                    cod_amount=d["cod_amount"],
                    cod_currency=d["cod_currency"] if d["cod_amount"] else "",
                    lines=[
                        {
                            "product": line["product"],
                            "quantity": line["quantity"],
                            "unit_price": line.get("unit_price") or 0,
                        }
                        for line in lines.cleaned_data
                        if line.get("product")
                    ],
                    user=request.user,
                )
            except DomainError as error:
                f.form_apply_error(form, error, aliases={"customer.name": "customer_name"})
            else:
                messages.success(request, f"Order {order.reference} created.")
                return redirect("orders:detail", reference=order.reference)
        return render(request, self.template, {"form": form, "lines": lines}, status=422)


class OrderDetailView(RoleRequiredMixin, View):
    allowed_roles = FLOOR

    # Moves another app makes for an order it holds (a carrier's tracking events).
    HELD_ACTIONS = ("plan", "unplan", "out", "deliver", "fail", "reschedule", "cancel")

    def get(self, request, reference):
        order = order_or_404(request, reference)
        tz = order.warehouse.tzinfo
        sections = page_sections_for("orders:detail", user=request.user, obj=order)
        held_by = next((s.context["held_by"] for s in sections if s.context.get("held_by")), "")
        may = {
            action: user_can(request.user, "orders:action", order.reference, action)
            for action in OrderActionView.actions()
        }
        if held_by:
            may.update(dict.fromkeys(self.HELD_ACTIONS, False))
        return render(
            request,
            "orders/order_detail.html",
            {
                "order": order,
                "tz": tz,
                "risk": late_risk(order),
                "shortfall": order_shortfall_safe(order),
                "allowed": svc.ORDER_TRANSITIONS.get(order.status, set()),
                "reschedule_form": f.RescheduleForm(
                    initial={
                        "window_start": timezone.localtime(order.window_start, tz),
                        "window_end": timezone.localtime(order.window_end, tz),
                    }
                ),
                "fail_form": f.FailForm(prefix="fail"),
                "parcels_form": f.ParcelsForm(),
                "default_parcels": svc.parcels_default(order=order)
                if order.status == OrderStatus.PICKED
                else [],
                "returns": order.returns.all(),
                # What the user's role may do here, asked of the views that would do it;
                # none of the delivery moves while another app holds the order.
                "may": may,
                "held_by": held_by,
                "may_return": user_can(request.user, "orders:return-create", order.reference),
                # What other apps know of the order (tracking: proof of delivery, the
                # customer's instructions; carriers: the shipment).
                "sections": sections,
            },
        )


def order_or_404(request, reference) -> CustomerOrder:
    try:
        return order_get(reference=reference, user=request.user)
    except DomainError:
        raise Http404(f"No order {reference}") from None


class OrderActionView(RoleRequiredMixin, View):
    """POST /orders/<ref>/<action>/: one service call, then back to the order with a message."""

    allowed_roles = FLOOR
    dispatcher_only = {"confirm", "confirm_partial", "cancel", "reschedule", "location", "plan",
                       "unplan", "out", "deliver", "fail"}  # fmt: skip

    @classmethod
    def actions(cls) -> list[str]:
        return [name.removeprefix("do_") for name in dir(cls) if name.startswith("do_")]

    @classmethod
    def roles_for(cls, *, action: str = "", **url_kwargs) -> list[str]:
        return DISPATCH if action in cls.dispatcher_only else super().roles_for(**url_kwargs)

    def post(self, request, reference, action):
        order = order_or_404(request, reference)
        handler = getattr(self, f"do_{action}", None)
        if handler is None:
            raise Http404("Unknown action")
        try:
            message = handler(request, order)
        except DomainError as error:
            details = "; ".join(e["message"] for e in error.errors if e.get("message"))
            messages.error(request, f"{error.detail}" + (f" ({details})" if details else ""))
        else:
            if message:
                messages.success(request, message)
        return redirect(request.POST.get("next") or reverse("orders:detail", args=[reference]))

    def do_confirm(self, request, order):
        svc.order_confirm(order=order, user=request.user)
        return "Confirmed: stock reserved for every line."

    def do_confirm_partial(self, request, order):
        order = svc.order_confirm(order=order, allow_partial=True, user=request.user)
        return "Confirmed as a partial order." if order.is_partial else "Confirmed in full."

    def do_pick(self, request, order):
        svc.order_pick(order=order, user=request.user)
        return "Picked to the dispatch location."

    def do_pack(self, request, order):
        form = f.ParcelsForm(request.POST)
        if not form.is_valid():
            raise form_error(form)
        order = svc.order_pack(order=order, parcels=form.cleaned_data["parcels"], user=request.user)
        n = order.parcels.count()
        return f"Packed into {n} parcel{pluralize(n)}."

    def do_plan(self, request, order):
        svc.order_plan(order=order, user=request.user)
        return "Marked as planned."

    def do_unplan(self, request, order):
        svc.order_unplan(order=order, user=request.user)
        return "Removed from its route."

    def do_out(self, request, order):
        svc.order_out_for_delivery(order=order, user=request.user)
        return "Out for delivery."

    def do_deliver(self, request, order):
        svc.handover_ready_check(order=order)
        svc.order_deliver(order=order, user=request.user)
        return "Delivered."

    def do_fail(self, request, order):
        form = f.FailForm(request.POST, prefix="fail")
        if not form.is_valid():
            raise form_error(form)
        svc.order_fail(
            order=order,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            user=request.user,
        )
        return "Failed attempt recorded."

    def do_cancel(self, request, order):
        form = f.CancelForm(request.POST)
        form.is_valid()
        svc.order_cancel(order=order, reason=form.cleaned_data.get("reason", ""), user=request.user)
        return "Cancelled; every reservation was released."

    def do_reschedule(self, request, order):
        form = f.RescheduleForm(request.POST)
        if not form.is_valid():
            raise form_error(form)
        tz = order.warehouse.tzinfo
        svc.order_reschedule(
            order=order,
            window_start=f.localize(form.cleaned_data["window_start"], tz),
            window_end=f.localize(form.cleaned_data["window_end"], tz),
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
        return "Rescheduled."

    def do_location(self, request, order):
        form = f.LocationForm(request.POST)
        if not form.is_valid():
            raise form_error(form)
        svc.order_location_set(
            order=order,
            latitude=form.cleaned_data["latitude"],
            longitude=form.cleaned_data["longitude"],
            user=request.user,
        )
        return "Location set."


def form_error(form) -> DomainError:
    from core.exceptions import ValidationFailed

    errors = [
        {"field": field, "message": f"{field}: {message}"}
        for field, messages_ in form.errors.items()
        for message in messages_
    ]
    return ValidationFailed("Please correct the form.", errors=errors)


class OrderImportView(RoleRequiredMixin, View):
    allowed_roles = DISPATCH

    def get(self, request):
        return render(request, "orders/import.html", {"form": f.ImportForm()})

    def post(self, request):
        """Queues the import and answers at once; the run's page shows progress and errors."""
        form = f.ImportForm(request.POST, request.FILES)
        errors = []
        if form.is_valid():
            try:
                run_id = orders_import_run_start(
                    content=form.cleaned_data["file"].read(), user=request.user
                )
            except DomainError as error:
                errors = error.errors or [{"field": "file", "message": error.detail}]
                form.add_error(None, error.detail)
            else:
                return redirect("orders:import-run", run_id=run_id)
        return render(request, "orders/import.html", {"form": form, "errors": errors}, status=422)


class OrderImportRunView(RoleRequiredMixin, View):
    """One import run: progress while it runs (polled), then the result or the errors."""

    allowed_roles = DISPATCH

    def get(self, request, run_id):
        run = orders_import_run_get(run_id=run_id, user=request.user)
        if run is None:
            raise Http404("No such import (runs are kept for a day).")
        running = run["status"] in ("queued", "running")
        if request.htmx and "progress" in request.GET:
            if not running:
                return HttpResponse(headers={"HX-Refresh": "true"})
            return render(request, "orders/_import_progress.html", {"run": run, "run_id": run_id})
        return render(
            request,
            "orders/import_run.html",
            {"run": run, "run_id": run_id, "running": running, "form": f.ImportForm()},
            status=422 if run["status"] == "failed" else 200,
        )
