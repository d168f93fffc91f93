"""Dispatcher forms: they parse input; the services decide."""

from __future__ import annotations

from django import forms

from core import timefmt
from inventory.models import Warehouse
from orders.models import CustomerOrder, OrderStatus, Return
from routing import conf
from routing.models import Engine, Route, Shift


class PlanFilterForm(forms.Form):
    """Which day and depots the plan is for (one or several: each vehicle starts and ends at
    its own depot), and which orders to list."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    depot = forms.ModelMultipleChoiceField(
        Warehouse.objects.filter(is_active=True).order_by("code"),
        label="Depots",
        widget=forms.CheckboxSelectMultiple,
        help_text="Pick several to plan their vehicles and orders together.",
    )
    q = forms.CharField(label="Search orders", required=False)
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any plannable status")]
        + [
            (s.value, s.label)
            for s in (OrderStatus.CONFIRMED, OrderStatus.PICKED, OrderStatus.PACKED)
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timefmt.today(self.fields["depot"].queryset)


class PlanCreateForm(forms.Form):
    date = forms.DateField(widget=forms.HiddenInput)
    depot = forms.ModelMultipleChoiceField(
        Warehouse.objects.all(), widget=forms.MultipleHiddenInput
    )
    orders = forms.ModelMultipleChoiceField(
        CustomerOrder.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )
    returns = forms.ModelMultipleChoiceField(
        Return.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Returns to pick up",
    )
    shifts = forms.ModelMultipleChoiceField(
        Shift.objects.none(), widget=forms.CheckboxSelectMultiple, label="Vehicles (shifts)"
    )
    minimise_vehicles = forms.BooleanField(required=False, label="Use as few vehicles as possible")
    time_limit_s = forms.IntegerField(label="Time limit (s)", min_value=1, initial=10)
    engine = forms.ChoiceField(
        choices=Engine.choices, initial=Engine.AUTO, label="Optimiser", required=False
    )

    def __init__(self, *args, orders=None, shifts=None, returns=None, **kwargs):
        super().__init__(*args, **kwargs)
        if orders is not None:
            self.fields["orders"].queryset = orders
        if returns is not None:
            self.fields["returns"].queryset = returns
        if shifts is not None:
            self.fields["shifts"].queryset = shifts
        self.fields["time_limit_s"].max_value = conf.get("ROUTING_MAX_TIME_LIMIT_S")
        self.fields["time_limit_s"].initial = conf.get("ROUTING_DEFAULT_TIME_LIMIT_S")


class OptimizeForm(forms.Form):
    time_limit_s = forms.IntegerField(label="Time limit (s)", min_value=1)
    engine = forms.ChoiceField(
        choices=Engine.choices, initial=Engine.AUTO, label="Optimiser", required=False
    )


class StopMoveForm(forms.Form):
    route = forms.ModelChoiceField(Route.objects.none())
    position = forms.IntegerField(min_value=1)
    check_only = forms.BooleanField(required=False)

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["route"].queryset = Route.objects.filter(plan=plan)
