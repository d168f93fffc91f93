"""Fleet page forms: they parse input; routing.fleet.services decide (and their errors are
shown on the field they name)."""

from __future__ import annotations

from django import forms

from inventory.models import Warehouse
from orders.models import VehicleSkill
from routing.fleet.services import BreakSpec
from routing.models import Driver, Vehicle

FORM_BREAKS = 3  # rows on the shift form; the API takes up to 6
WEEKDAYS = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]
TIME = {"type": "time"}


def _skills(label="Skills"):
    return forms.MultipleChoiceField(
        choices=VehicleSkill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=label,
    )


class VehicleForm(forms.Form):
    code = forms.CharField(max_length=20)
    name = forms.CharField(max_length=100)
    depot = forms.ModelChoiceField(
        Warehouse.objects.filter(is_active=True).order_by("code"), label="Home depot"
    )
    capacity_weight_kg = forms.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, label="Capacity (kg)"
    )
    capacity_volume_m3 = forms.DecimalField(
        max_digits=8, decimal_places=3, min_value=0, label="Capacity (m³)"
    )
    capacity_units = forms.IntegerField(min_value=0, label="Capacity (items)")
    cost_per_km = forms.DecimalField(max_digits=10, decimal_places=2, min_value=0, initial=0)
    cost_per_hour = forms.DecimalField(max_digits=10, decimal_places=2, min_value=0, initial=0)
    fixed_cost = forms.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, initial=0, help_text="Per route used."
    )
    currency = forms.CharField(min_length=3, max_length=3, initial="EUR")
    skills = _skills()
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]


class DriverForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="An existing account, or a new one (an admin sets its password).",
    )
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    skills = _skills()
    default_vehicle = forms.ModelChoiceField(
        Vehicle.objects.filter(is_active=True).order_by("code"), required=False
    )
    working_days = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=[d for d, _ in WEEKDAYS],
    )
    work_start = forms.TimeField(required=False, widget=forms.TimeInput(attrs=TIME))
    work_end = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs=TIME), help_text="Leave both empty: any hours."
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["username"]


class TimeOffForm(forms.Form):
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="First day")
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Last day")
    reason = forms.CharField(max_length=200, required=False)


class ShiftForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    vehicle = forms.ModelChoiceField(
        Vehicle.objects.filter(is_active=True).select_related("depot").order_by("code")
    )
    driver = forms.ModelChoiceField(
        Driver.objects.filter(is_active=True).select_related("user").order_by("user__username")
    )
    start_time = forms.TimeField(widget=forms.TimeInput(attrs=TIME))
    end_time = forms.TimeField(widget=forms.TimeInput(attrs=TIME))

    def __init__(self, *args, depot: Warehouse | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if depot is not None:
            self.fields["vehicle"].queryset = self.fields["vehicle"].queryset.filter(depot=depot)
        for n in range(FORM_BREAKS):
            label = f"Break {n + 1}"
            self.fields[f"break{n}_earliest"] = forms.TimeField(
                required=False, widget=forms.TimeInput(attrs=TIME), label=f"{label}: from"
            )
            self.fields[f"break{n}_latest"] = forms.TimeField(
                required=False, widget=forms.TimeInput(attrs=TIME), label="starts by"
            )
            self.fields[f"break{n}_minutes"] = forms.IntegerField(
                required=False, min_value=1, max_value=240, label="minutes"
            )

    def break_rows(self):
        """The bound fields of each break row, for the template."""
        return [
            [self[f"break{n}_{part}"] for part in ("earliest", "latest", "minutes")]
            for n in range(FORM_BREAKS)
        ]

    def clean(self):
        data = super().clean()
        breaks = []
        for n in range(FORM_BREAKS):
            parts = [data.get(f"break{n}_{p}") for p in ("earliest", "latest", "minutes")]
            if all(p is None for p in parts):
                continue
            if any(p is None for p in parts):
                self.add_error(f"break{n}_earliest", "Give the break's window and its minutes.")
                continue
            breaks.append(BreakSpec(parts[0], parts[1], parts[2] * 60))
        data["breaks"] = breaks
        return data

    @staticmethod
    def initial_for(shift) -> dict:
        initial = {
            "date": shift.date,
            "vehicle": shift.vehicle,
            "driver": shift.driver,
            "start_time": shift.start_time,
            "end_time": shift.end_time,
        }
        for n, (earliest, latest, duration_s) in enumerate(shift.breaks[:FORM_BREAKS]):
            initial[f"break{n}_earliest"] = earliest
            initial[f"break{n}_latest"] = latest
            initial[f"break{n}_minutes"] = duration_s // 60
        return initial


class WeekForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    depot = forms.ModelChoiceField(
        Warehouse.objects.filter(is_active=True).order_by("code"),
        required=False,
        empty_label="All depots",
        to_field_name="code",
    )


class ShiftFilterForm(forms.Form):
    depot = forms.ModelChoiceField(
        Warehouse.objects.filter(is_active=True).order_by("code"),
        required=False,
        empty_label="All depots",
        to_field_name="code",
    )
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
