"""Forms of the customer order pages. They parse input only; services decide and validate rules
(their errors are put back on the fields by `form_apply_error`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone

from core.exceptions import DomainError
from inventory.models import Product, Warehouse
from orders.models import FailureReason, OrderStatus, Priority, ReturnLine, VehicleSkill
from partners.models import Partner

LOCAL_DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def form_apply_error(form: forms.Form, error: DomainError, *, aliases: dict | None = None):
    """Put a service error on the form field it names (or on the whole form)."""
    aliases = aliases or {}
    for item in error.errors or [{"field": None, "message": error.detail}]:
        field = item.get("field") or ""
        field = aliases.get(field, field)
        form.add_error(field if field in form.fields else None, item["message"])


def localize(value: datetime | None, tz) -> datetime | None:
    """A naive datetime-local value means local time in the warehouse's zone."""
    if value is None:
        return None
    if timezone.is_aware(value):
        value = timezone.make_naive(value, timezone.get_current_timezone())
    return timezone.make_aware(value, tz)


class BoardFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *OrderStatus.choices])
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    warehouse = forms.ModelChoiceField(
        required=False,
        queryset=Warehouse.objects.filter(is_active=True),
        to_field_name="code",
        empty_label="All warehouses",
    )
    partner = forms.ModelChoiceField(
        required=False, queryset=Partner.objects.all(), to_field_name="code", empty_label="Any"
    )
    window_from = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}), label="Window from"
    )
    window_to = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}), label="Window to"
    )
    late = forms.BooleanField(required=False, label="Late or at risk only")
    needs_location = forms.BooleanField(required=False, label="Needs location")
    q = forms.CharField(required=False, label="Search")


class OrderForm(forms.Form):
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.filter(is_active=True))
    customer_name = forms.CharField(max_length=200)
    customer_email = forms.EmailField(required=False)
    customer_phone = forms.CharField(max_length=40, required=False)
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    latitude = forms.DecimalField(
        required=False, max_digits=12, decimal_places=8, help_text="Empty: geocode or pick on map."
    )
    longitude = forms.DecimalField(required=False, max_digits=12, decimal_places=8)
    window_start = forms.DateTimeField(widget=LOCAL_DT, help_text="Warehouse local time.")
    window_end = forms.DateTimeField(widget=LOCAL_DT)
    service_time_s = forms.IntegerField(
        initial=300, min_value=0, max_value=14400, label="Service time (s)"
    )
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, initial=Priority.NORMAL)
    required_skills = forms.MultipleChoiceField(
        choices=VehicleSkill.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    instructions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    requires_pin = forms.BooleanField(
        required=False,
        label="Delivery PIN",
        help_text="The customer gets a PIN when the order goes out; the driver needs it.",
    )
    cod_amount = forms.DecimalField(
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        label="Cash on delivery",
        help_text="Amount the driver collects at the door; empty: none.",
    )
    cod_currency = forms.CharField(max_length=3, required=False, initial="EUR", label="Currency")


class OrderLineForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.filter(is_active=True), to_field_name="sku", required=False
    )
    quantity = forms.IntegerField(min_value=1, required=False)
    unit_price = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, required=False)

    def clean(self):
        data = super().clean()
        if data.get("product") and not data.get("quantity"):
            self.add_error("quantity", "Give a quantity above 0.")
        if data.get("quantity") and not data.get("product"):
            self.add_error("product", "Pick a product.")
        return data


OrderLineFormSet = forms.formset_factory(OrderLineForm, extra=4, max_num=50)


class LocationForm(forms.Form):
    latitude = forms.DecimalField(max_digits=12, decimal_places=8)
    longitude = forms.DecimalField(max_digits=12, decimal_places=8)


class RescheduleForm(forms.Form):
    window_start = forms.DateTimeField(widget=LOCAL_DT)
    window_end = forms.DateTimeField(widget=LOCAL_DT)
    reason = forms.CharField(max_length=300, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False)


class FailForm(forms.Form):
    reason = forms.ChoiceField(choices=FailureReason.choices)
    note = forms.CharField(max_length=500, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV, UTF-8, one row per order line.")


class WaveForm(forms.Form):
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.filter(is_active=True))


class ParcelsForm(forms.Form):
    """Parcels as lines `weight_kg volume_m3`; empty = computed from product data."""

    parcels = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2.5 0.012"}),
        help_text="One parcel per line: weight in kg, volume in m³. Empty: computed.",
    )

    def clean_parcels(self):
        text = self.cleaned_data["parcels"].strip()
        if not text:
            return None
        parcels = []
        for number, line in enumerate(text.splitlines(), start=1):
            parts = line.replace(",", " ").split()
            if len(parts) != 2:
                raise forms.ValidationError(f"Line {number}: give weight and volume.")
            parcels.append({"weight_kg": parts[0], "volume_m3": parts[1]})
        return parcels


class ReturnRequestForm(forms.Form):
    method = forms.ChoiceField(choices=[("pickup", "Pickup by us"), ("dropoff", "Drop-off")])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    record_rejection = forms.BooleanField(
        required=False, label="Record a rejected request when the policy refuses it"
    )

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_lines = list(order.lines.select_related("product"))
        for line in self.order_lines:
            self.fields[f"qty_{line.pk}"] = forms.IntegerField(
                min_value=0,
                max_value=line.quantity_delivered,
                required=False,
                initial=0,
                label=f"{line.product.sku} · {line.product.name} (delivered "
                f"{line.quantity_delivered})",
            )
            self.fields[f"reason_{line.pk}"] = forms.ChoiceField(
                choices=ReturnLine.Reason.choices, required=False, label="Reason"
            )

    def lines(self) -> list[dict]:
        out = []
        for line in self.order_lines:
            quantity = self.cleaned_data.get(f"qty_{line.pk}") or 0
            if quantity:
                out.append(
                    {
                        "order_line": line,
                        "quantity": quantity,
                        "reason": self.cleaned_data.get(f"reason_{line.pk}") or "other",
                    }
                )
        return out


class ReturnReceiveForm(forms.Form):
    refund_amount = forms.DecimalField(
        required=False, min_value=0, max_digits=12, decimal_places=2, help_text="Empty: computed."
    )

    def __init__(self, *args, ret, **kwargs):
        super().__init__(*args, **kwargs)
        self.return_lines = list(ret.lines.select_related("order_line__product"))
        for line in self.return_lines:
            self.fields[f"condition_{line.pk}"] = forms.ChoiceField(
                choices=ReturnLine.Condition.choices,
                label=f"{line.quantity} x {line.order_line.product.sku}",
            )

    def conditions(self) -> dict[int, str]:
        return {line.pk: self.cleaned_data[f"condition_{line.pk}"] for line in self.return_lines}


class ReturnRejectForm(forms.Form):
    reason = forms.CharField(max_length=300)
