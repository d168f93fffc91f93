"""Forms for warehouse staff. Field names match the services' error fields, so a refused
operation shows its message under the right field."""

from django import forms

from inventory.models import Location, StockCondition
from inventory.services.imports import PRODUCT_COLUMNS, STOCK_COLUMNS


class _LocationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        kind = obj.get_kind_display().lower()
        return f"{obj.warehouse.code} · {obj.code} ({kind})"


def _locations():
    return (
        Location.objects.filter(is_active=True)
        .select_related("warehouse")
        .order_by("warehouse__code", "code")
    )


class _StockKeyForm(forms.Form):
    product = forms.CharField(label="Product SKU", max_length=64)
    location = _LocationChoice(queryset=_locations(), label="From location")
    lot = forms.CharField(
        max_length=64, required=False, help_text="Leave empty for stock without a lot."
    )
    condition = forms.ChoiceField(choices=StockCondition.choices, initial="good")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("location", "to_location"):
            if name in self.fields:
                self.fields[name].queryset = _locations()

    def stock_key(self) -> dict:
        data = self.cleaned_data
        return {
            "product": data["product"].strip(),
            "location": data["location"].pk,
            "lot": data.get("lot") or None,
            "condition": data["condition"],
        }


class ReceiveForm(forms.Form):
    product = forms.CharField(label="Product SKU", max_length=64)
    location = _LocationChoice(queryset=_locations())
    quantity = forms.IntegerField(min_value=1)
    condition = forms.ChoiceField(choices=StockCondition.choices, initial="good")
    lot_code = forms.CharField(
        max_length=64,
        required=False,
        help_text="Products with a shelf life get a lot automatically.",
    )
    expires_at = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    unit_cost = forms.DecimalField(
        min_value=0,
        max_digits=12,
        decimal_places=4,
        required=False,
        help_text="Updates the average cost.",
    )
    reference = forms.CharField(max_length=100, required=False, help_text="e.g. the delivery note.")
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = _locations()


class TransferForm(_StockKeyForm):
    to_location = _LocationChoice(queryset=_locations(), label="To location")
    quantity = forms.IntegerField(min_value=1)
    between_warehouses = forms.BooleanField(
        required=False, help_text="Tick to move stock to another warehouse."
    )
    reference = forms.CharField(max_length=100, required=False)
    reason = forms.CharField(max_length=300, required=False)


class AdjustForm(_StockKeyForm):
    location = _LocationChoice(queryset=_locations(), label="Location")
    delta = forms.IntegerField(
        required=False, label="Adjust by", help_text="Positive adds, negative removes units."
    )
    counted = forms.IntegerField(
        required=False, min_value=0, label="Or: counted quantity", help_text="Cycle count result."
    )
    reason = forms.CharField(
        max_length=300, required=False, help_text="Required for an adjustment."
    )
    reference = forms.CharField(max_length=100, required=False)

    def clean(self):
        data = super().clean()
        if (data.get("delta") is None) == (data.get("counted") is None):
            raise forms.ValidationError("Fill in either 'Adjust by' or 'Counted quantity'.")
        return data


class ConditionForm(_StockKeyForm):
    location = _LocationChoice(queryset=_locations(), label="Location")
    to_condition = forms.ChoiceField(choices=StockCondition.choices, label="New condition")
    to_location = _LocationChoice(
        queryset=_locations(), required=False, label="Move to", help_text="Empty: stays in place."
    )
    quantity = forms.IntegerField(min_value=1)
    reason = forms.CharField(max_length=300)
    reference = forms.CharField(max_length=100, required=False)


class ScrapForm(_StockKeyForm):
    location = _LocationChoice(queryset=_locations(), label="Location")
    quantity = forms.IntegerField(min_value=1)
    reason = forms.CharField(max_length=300)
    reference = forms.CharField(max_length=100, required=False)


class ImportForm(forms.Form):
    KINDS = [("products", "Products"), ("stock", "Opening stock")]
    kind = forms.ChoiceField(choices=KINDS, widget=forms.RadioSelect, initial="products")
    file = forms.FileField(
        help_text=(
            f"UTF-8 CSV with a header row. Products: {', '.join(PRODUCT_COLUMNS)}. "
            f"Opening stock: {', '.join(STOCK_COLUMNS)}."
        )
    )
