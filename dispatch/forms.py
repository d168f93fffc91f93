from __future__ import annotations

import datetime as dt

from django import forms

from dispatch.selectors import ROUTE_FILTERS
from routing.models import Route


class BoardFilterForm(forms.Form):
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    depot = forms.ChoiceField(required=False)
    driver = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(required=False, choices=list(ROUTE_FILTERS.items()))
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Order, customer or address  ( / )"}
        ),
    )

    def __init__(self, *args, depots=(), drivers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["depot"].choices = [("", "All depots")] + [(d.code, d.code) for d in depots]
        self.fields["driver"].choices = [("", "All drivers")] + [(d.pk, str(d)) for d in drivers]


class MoveForm(forms.Form):
    """Target route (of the stop's plan) and 1-based position."""

    route = forms.ModelChoiceField(queryset=Route.objects.none(), empty_label=None)
    position = forms.IntegerField(min_value=1, max_value=999)
    override = forms.BooleanField(required=False, label="Override: out for delivery")
    reason = forms.CharField(required=False, max_length=300, label="Reason for the override")

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route"].queryset = Route.objects.filter(plan=plan).select_related(
            "vehicle", "driver__user"
        )
        self.fields["route"].label_from_instance = lambda r: (
            f"Route {r.sequence} · {r.vehicle.code} · {r.driver or 'no driver'}"
            + (" (locked)" if r.is_locked else "")
        )


class RescheduleForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), label="From")
    end = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), label="To")
    reason = forms.CharField(required=False, max_length=300)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", "The window must end after it starts.")
        return data

    def window(self, tz) -> tuple[dt.datetime, dt.datetime]:
        d = self.cleaned_data
        return (
            dt.datetime.combine(d["date"], d["start"], tzinfo=tz),
            dt.datetime.combine(d["date"], d["end"], tzinfo=tz),
        )


class CancelForm(forms.Form):
    reason = forms.CharField(required=False, max_length=300)


class InsertForm(forms.Form):
    """Confirm an insertion: the route, and the override with its reason when the position is
    ahead of an order out for delivery (routing checks both again)."""

    route = forms.IntegerField(min_value=1)
    override = forms.BooleanField(required=False, label="Override: out for delivery")
    reason = forms.CharField(required=False, max_length=300, label="Reason for the override")
