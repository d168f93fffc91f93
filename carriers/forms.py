from __future__ import annotations

import re

from django import forms

from carriers.models import Carrier

_SPLIT = re.compile(r"[,;\s]+")


def _numbers(text: str) -> list[str]:
    return [t for t in _SPLIT.split(text.strip()) if t]


class CarrierForm(forms.Form):
    """The carrier and its rate card as text: zone and band limits as lists, prices as one line
    per zone with one price per weight band (the service validates them)."""

    code = forms.CharField(max_length=20, help_text="Lower-case letters, digits or dashes.")
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=Carrier.Kind.choices)
    currency = forms.CharField(max_length=3, initial="EUR")
    transit_days = forms.IntegerField(min_value=0, max_value=30, initial=1)
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    zone_limits_km = forms.CharField(
        label="Zones (km from the depot)",
        help_text="Upper limits, increasing, e.g. 10, 25, 60: zone 1 is up to 10 km.",
    )
    weight_limits_kg = forms.CharField(
        label="Weight bands (kg)",
        help_text="Upper limits, increasing, e.g. 2, 10, 30.",
    )
    prices = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "class": "mono"}),
        help_text="One line per zone, one price per weight band on each line.",
    )

    def rate_card(self) -> dict:
        data = self.cleaned_data
        return {
            "zone_limits_km": _numbers(data["zone_limits_km"]),
            "weight_limits_kg": _numbers(data["weight_limits_kg"]),
            "prices": [_numbers(line) for line in data["prices"].splitlines() if line.strip()],
        }

    @classmethod
    def initial_for(cls, carrier: Carrier) -> dict:
        return {
            "code": carrier.code,
            "name": carrier.name,
            "kind": carrier.kind,
            "currency": carrier.currency,
            "transit_days": carrier.transit_days,
            "is_active": carrier.is_active,
            "zone_limits_km": ", ".join(str(v) for v in carrier.zone_limits_km),
            "weight_limits_kg": ", ".join(f"{v.normalize():f}" for v in carrier.weight_limits_kg),
            "prices": "\n".join(" ".join(f"{p:.2f}" for p in row) for row in carrier.prices),
        }


class HandOffForm(forms.Form):
    carrier = forms.ModelChoiceField(
        queryset=Carrier.objects.filter(is_active=True), to_field_name="code"
    )
    order = forms.CharField(max_length=32, required=False)
