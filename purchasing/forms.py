"""Purchasing page forms: thin parsing; the rules live in purchasing.services."""

from __future__ import annotations

from django import forms

from core.exceptions import DomainError, NotFound
from inventory.models import StockCondition, Warehouse
from inventory.selectors import product_get_by_sku
from purchasing.models import PurchaseOrder, Supplier


class PurchaseOrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *PurchaseOrder.Status.choices], required=False
    )
    supplier = forms.ModelChoiceField(
        Supplier.objects.order_by("code"),
        required=False,
        empty_label="Any supplier",
        to_field_name="code",
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = forms.BooleanField(required=False, label="Overdue only")
    search = forms.CharField(required=False, label="Reference")


class PurchaseOrderForm(forms.Form):
    supplier = forms.ModelChoiceField(Supplier.objects.filter(is_active=True).order_by("code"))
    warehouse = forms.ModelChoiceField(Warehouse.objects.filter(is_active=True).order_by("code"))
    expected_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why is this purchase needed? Required for every order.",
    )
    reason = forms.CharField(
        required=False,
        label="Reason for the change",
        help_text="Required when amending an approved or sent order.",
    )


class PurchaseLineForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    product = forms.CharField(
        required=False, label="SKU", widget=forms.TextInput(attrs={"list": "product-skus"})
    )
    quantity = forms.IntegerField(required=False, min_value=1)
    unit_cost = forms.DecimalField(
        required=False,
        min_value=0,
        decimal_places=4,
        max_digits=12,
        help_text="Empty: the supplier's price.",
    )
    expected_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("product") and not data.get("quantity"):
            self.add_error("quantity", "Give a quantity.")
        if data.get("product"):
            try:
                data["product_obj"] = product_get_by_sku(sku=data["product"].strip())
            except NotFound as unknown:
                self.add_error("product", unknown.detail)
                data["product_obj"] = None
        return data


PurchaseLineFormSet = forms.formset_factory(PurchaseLineForm, extra=3, can_delete=False)


class ActionForm(forms.Form):
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(required=False)
    promised_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    supplier_reference = forms.CharField(required=False, max_length=100)


class ReceiveLineForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "qty"}),
    )
    condition = forms.ChoiceField(
        choices=[c for c in StockCondition.choices if c[0] != StockCondition.EXPIRED]
    )
    lot_code = forms.CharField(required=False, max_length=64)
    expires_at = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


ReceiveLineFormSet = forms.formset_factory(ReceiveLineForm, extra=0)


class ReceiptForm(forms.Form):
    delivery_note = forms.CharField(required=False, max_length=100)


def add_domain_errors(form: forms.Form, exc: DomainError, *, formset=None, rows=None) -> None:
    """Show a service's refusal on the form: `lines[i].x` errors on the matching formset row
    (`rows` maps the service's line index to the formset form), the rest on fields or on top."""
    errors = exc.errors or [{"field": None, "message": exc.detail}]
    for error in errors:
        field = error.get("field") or ""
        if field.startswith("lines[") and formset is not None:
            index, _, name = field[len("lines[") :].partition("].")
            target = (rows or {}).get(int(index)) if index.isdigit() else None
            if target is not None and name in target.fields:
                target.add_error(name, error["message"])
                continue
        if field in form.fields:
            form.add_error(field, error["message"])
        else:
            form.add_error(None, error["message"])
