"""The tablet receiving screen of a purchase order (thin)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views import View

from core.exceptions import DomainError
from core.permissions import RoleRequiredMixin
from core.roles import Role
from purchasing import services as svc
from purchasing.forms import (
    ReceiptForm,
    ReceiveLineFormSet,
    add_domain_errors,
)
from purchasing.models import SupplierProduct
from purchasing.views.purchase_orders import po_or_404


class PurchaseOrderReceiveView(RoleRequiredMixin, View):
    """Tablet receiving screen: scan or type a SKU/barcode to count a line up, or type
    quantities; lot, expiry and condition per line; damaged goods go to quarantine."""

    allowed_roles = [Role.PURCHASING, Role.WAREHOUSE]

    def _render(self, request, po, formset, form):
        rows = list(zip(formset.forms, self._lines(po), strict=False))
        codes = {}
        supplier_skus = dict(
            SupplierProduct.objects.filter(supplier=po.supplier).values_list(
                "product_id", "supplier_sku"
            )
        )
        for index, (_, line) in enumerate(rows):
            for code in (
                line.product.sku,
                line.product.barcode,
                supplier_skus.get(line.product_id),
            ):
                if code:
                    codes[code.upper()] = index
        return render(
            request,
            "purchasing/po_receive.html",
            {"po": po, "formset": formset, "rows": rows, "form": form, "codes": codes},
        )

    def _lines(self, po):
        return [
            line
            for line in po.lines.all()
            if line.quantity_open or line.quantity_received < line.quantity_max
        ]

    def get(self, request, reference):
        po = po_or_404(reference)
        if po.status not in ("sent", "confirmed", "partially_received"):
            messages.error(
                request, f"{po.reference} is {po.get_status_display().lower()}: nothing to receive."
            )
            return redirect("purchasing:po-detail", reference=reference)
        formset = ReceiveLineFormSet(
            initial=[{"line": line.pk, "condition": "good"} for line in self._lines(po)]
        )
        return self._render(request, po, formset, ReceiptForm())

    def post(self, request, reference):
        po = po_or_404(reference)
        formset = ReceiveLineFormSet(request.POST)
        form = ReceiptForm(request.POST)
        if not (formset.is_valid() and form.is_valid()):
            return self._render(request, po, formset, form)
        lines, rows = [], {}
        for row_form in formset.forms:
            data = row_form.cleaned_data
            if not data.get("quantity"):
                continue
            rows[len(lines)] = row_form
            lines.append(
                {
                    "line": data["line"],
                    "quantity": data["quantity"],
                    "condition": data["condition"],
                    "lot_code": data["lot_code"],
                    "expires_at": data["expires_at"],
                }
            )
        if not lines:
            form.add_error(None, "Enter a quantity for at least one line.")
            return self._render(request, po, formset, form)
        try:
            receipt = svc.purchase_order_receive(
                po=po,
                user=request.user,
                lines=lines,
                delivery_note=form.cleaned_data["delivery_note"],
            )
        except DomainError as exc:
            add_domain_errors(form, exc, formset=formset, rows=rows)
            return self._render(request, po, formset, form)
        units = sum(line["quantity"] for line in lines)
        messages.success(
            request, f"{receipt.reference}: {units} unit{pluralize(units)} received into stock."
        )
        return redirect("purchasing:po-detail", reference=reference)
