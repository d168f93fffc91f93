"""Purchase order pages (thin): list, create/edit, detail with timeline and history, lifecycle
actions, printable order."""

from __future__ import annotations

from datetime import timedelta
from itertools import chain

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from core.exceptions import DomainError
from core.permissions import RoleRequiredMixin, user_can
from core.roles import Role
from inventory.models import Product
from inventory.selectors.stock import warehouse_today, warehouses_today
from purchasing import services as svc
from purchasing.forms import (
    ActionForm,
    PurchaseLineFormSet,
    PurchaseOrderFilterForm,
    PurchaseOrderForm,
    add_domain_errors,
)
from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier
from purchasing.selectors import (
    purchase_order_cost_advice,
    purchase_order_detail,
    purchase_order_list,
    purchase_order_user_part,
)
from purchasing.services.common import AMENDABLE_STATES, EDITABLE_STATES

READ_ROLES = [Role.PURCHASING, Role.APPROVER, Role.WAREHOUSE]
PAGE_SIZE = 50


def po_or_404(reference: str) -> PurchaseOrder:
    try:
        return purchase_order_detail(reference=reference)
    except PurchaseOrder.DoesNotExist as exc:
        raise Http404("No such purchase order") from exc


class PurchaseOrderListView(RoleRequiredMixin, View):
    allowed_roles = READ_ROLES

    def get(self, request):
        form = PurchaseOrderFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        filters = {k: v for k, v in filters.items() if v not in (None, "", False)}
        orders = purchase_order_list(**filters).annotate(line_count=Count("lines"))
        return render(
            request,
            "purchasing/po_list.html",
            {"form": form, "orders": orders[:PAGE_SIZE], "total": orders.count()},
        )


class PurchaseOrderFormMixin:
    """Create a draft or edit/amend an order with a header form and a formset of lines."""

    template_name = "purchasing/po_form.html"

    def _render(self, request, form, formset, po=None):
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "formset": formset,
                "po": po,
                "is_amendment": po is not None and po.status in AMENDABLE_STATES,
                "skus": Product.objects.filter(is_active=True).values_list("sku", flat=True),
            },
        )

    @staticmethod
    def _lines(formset):
        """Filled formset rows as service lines, and service index -> formset form."""
        lines, rows = [], {}
        for form in formset.forms:
            data = form.cleaned_data
            if not data.get("product"):
                continue
            rows[len(lines)] = form
            lines.append(
                {
                    "id": data.get("id"),
                    "product": data["product_obj"],
                    "quantity": data["quantity"],
                    "unit_cost": data.get("unit_cost"),
                    "expected_date": data.get("expected_date"),
                }
            )
        return lines, rows


class PurchaseOrderCreateView(RoleRequiredMixin, PurchaseOrderFormMixin, View):
    allowed_roles = [Role.PURCHASING]

    def get(self, request):
        initial = {"expected_date": warehouses_today() + timedelta(days=14)}
        if request.GET.get("supplier"):
            initial["supplier"] = Supplier.objects.filter(code=request.GET["supplier"]).first()
        return self._render(request, PurchaseOrderForm(initial=initial), PurchaseLineFormSet())

    def post(self, request):
        form = PurchaseOrderForm(request.POST)
        formset = PurchaseLineFormSet(request.POST)
        if not (form.is_valid() and formset.is_valid()):
            return self._render(request, form, formset)
        lines, rows = self._lines(formset)
        try:
            po = svc.purchase_order_create(
                supplier=form.cleaned_data["supplier"],
                warehouse=form.cleaned_data["warehouse"],
                requester=request.user,
                justification=form.cleaned_data["justification"],
                expected_date=form.cleaned_data["expected_date"],
                lines=lines,
            )
        except DomainError as exc:
            add_domain_errors(form, exc, formset=formset, rows=rows)
            return self._render(request, form, formset)
        messages.success(request, f"Draft {po.reference} created.")
        return redirect("purchasing:po-detail", reference=po.reference)


class PurchaseOrderEditView(RoleRequiredMixin, PurchaseOrderFormMixin, View):
    """Edit a draft or rejected order, or amend an approved/sent/confirmed one."""

    allowed_roles = [Role.PURCHASING]

    def _po(self, reference):
        po = po_or_404(reference)
        if po.status not in (*EDITABLE_STATES, *AMENDABLE_STATES):
            messages.error(
                self.request, f"A {po.get_status_display().lower()} order cannot be changed."
            )
            return po, redirect("purchasing:po-detail", reference=reference)
        return po, None

    def get(self, request, reference):
        po, refused = self._po(reference)
        if refused:
            return refused
        form = PurchaseOrderForm(
            initial={
                "supplier": po.supplier,
                "warehouse": po.warehouse,
                "expected_date": po.expected_date,
                "justification": po.justification,
            }
        )
        formset = PurchaseLineFormSet(
            initial=[
                {
                    "id": line.pk,
                    "product": line.product.sku,
                    "quantity": line.quantity,
                    "unit_cost": line.unit_cost,
                    "expected_date": line.expected_date,
                }
                for line in po.lines.all()
            ]
        )
        return self._render(request, form, formset, po)

    def post(self, request, reference):
        po, refused = self._po(reference)
        if refused:
            return refused
        form = PurchaseOrderForm(request.POST)
        formset = PurchaseLineFormSet(request.POST)
        # supplier and warehouse of an existing order do not change
        form.fields["supplier"].required = form.fields["warehouse"].required = False
        if not (form.is_valid() and formset.is_valid()):
            return self._render(request, form, formset, po)
        lines, rows = self._lines(formset)
        try:
            svc.purchase_order_amend(
                po=po,
                user=request.user,
                lines=lines,
                expected_date=form.cleaned_data["expected_date"],
                justification=form.cleaned_data["justification"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            add_domain_errors(form, exc, formset=formset, rows=rows)
            return self._render(request, form, formset, po)
        messages.success(request, f"{po.reference} updated.")
        return redirect("purchasing:po-detail", reference=po.reference)


class PurchaseOrderDetailView(RoleRequiredMixin, View):
    allowed_roles = READ_ROLES

    def get(self, request, reference):
        po = po_or_404(reference)
        lines = list(po.lines.all())
        history = sorted(
            chain(
                po.history.select_related("history_user").all()[:50],
                PurchaseOrderLine.history.filter(purchase_order_id=po.pk).select_related(
                    "history_user", "product"
                )[:100],
            ),
            key=lambda h: h.history_date,
            reverse=True,
        )
        user = request.user
        part = purchase_order_user_part(po=po, user=user) if po.status == "submitted" else None
        return render(
            request,
            "purchasing/po_detail.html",
            {
                "po": po,
                "lines": lines,
                "advice": purchase_order_cost_advice(po=po) if po.status == "draft" else [],
                "history": history,
                "allowed": svc.TRANSITIONS.get(po.status, set()),
                # What the user's role may do here, asked of the views that would do it.
                "may": {
                    action: user_can(user, "purchasing:po-action", po.reference, action)
                    for action in ACTIONS
                },
                "can_decide": user_can(user, "purchasing:po-action", po.reference, "approve")
                and not part,
                "user_part": part,
                "can_receive": user_can(user, "purchasing:po-receive", po.reference)
                and po.status in ("sent", "confirmed", "partially_received"),
                "can_edit": po.status in (*EDITABLE_STATES, *AMENDABLE_STATES)
                and user_can(user, "purchasing:po-edit", po.reference),
                "can_see_supplier": user_can(user, "purchasing:supplier-detail", po.supplier.code),
                "action_form": ActionForm(),
                "is_overdue": bool(
                    po.due_date
                    and po.due_date < warehouse_today(po.warehouse)
                    and po.status in ("approved", "sent", "confirmed", "partially_received")
                ),
            },
        )


ACTIONS = {
    "submit": ([Role.PURCHASING], lambda po, f, u: svc.purchase_order_submit(po=po, user=u)),
    "approve": (
        [Role.APPROVER],
        lambda po, f, u: svc.purchase_order_approve(po=po, approver=u, comment=f["comment"]),
    ),
    "reject": (
        [Role.APPROVER],
        lambda po, f, u: svc.purchase_order_reject(po=po, approver=u, comment=f["comment"]),
    ),
    "send": ([Role.PURCHASING], lambda po, f, u: svc.purchase_order_send(po=po, user=u)),
    "confirm": (
        [Role.PURCHASING],
        lambda po, f, u: svc.purchase_order_confirm(
            po=po,
            user=u,
            promised_date=f["promised_date"],
            supplier_reference=f["supplier_reference"],
        ),
    ),
    "cancel": (
        [Role.PURCHASING],
        lambda po, f, u: svc.purchase_order_cancel(po=po, user=u, reason=f["reason"]),
    ),
    "close": ([Role.PURCHASING], lambda po, f, u: svc.purchase_order_close(po=po, user=u)),
}


class PurchaseOrderActionView(RoleRequiredMixin, View):
    """POST one lifecycle action from the detail page; refusals come back as messages."""

    allowed_roles = [Role.PURCHASING, Role.APPROVER]

    @classmethod
    def roles_for(cls, *, action: str = "", **url_kwargs) -> list[str]:
        return ACTIONS[action][0] if action in ACTIONS else super().roles_for(**url_kwargs)

    def post(self, request, reference, action):
        if action not in ACTIONS:
            raise Http404("Unknown action")
        _roles, call = ACTIONS[action]
        po = get_object_or_404(PurchaseOrder, reference=reference)
        form = ActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
            return redirect("purchasing:po-detail", reference=reference)
        try:
            po = call(po, form.cleaned_data, request.user)
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"{po.reference} is now {po.get_status_display().lower()}.")
        next_url = request.POST.get("next")
        if next_url == "approvals":
            return redirect("purchasing:approvals")
        return redirect("purchasing:po-detail", reference=reference)


class PurchaseOrderPrintView(RoleRequiredMixin, View):
    """The order as the supplier gets it (same template as the email), ready to print."""

    allowed_roles = READ_ROLES

    def get(self, request, reference):
        po = po_or_404(reference)
        return render(
            request,
            "purchasing/email/purchase_order.html",
            {"po": po, "lines": list(po.lines.all()), "kind": "order"},
        )
