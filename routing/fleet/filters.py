"""django-filter sets of the fleet API's lists (types held by core.filtering.ApiFilterBackend)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from orders.models import VehicleSkill
from routing.models import Driver, Shift, Vehicle


class VehicleFilter(django_filters.FilterSet):
    depot = django_filters.CharFilter(field_name="depot__code", help_text="Home depot code.")
    is_active = django_filters.BooleanFilter()
    skill = django_filters.ChoiceFilter(
        choices=VehicleSkill.choices, method="filter_skill", help_text="Vehicles with this skill."
    )

    class Meta:
        model = Vehicle
        fields: list[str] = []

    def filter_skill(self, queryset, name, value):
        return queryset.filter(skills__contains=[value])


class DriverFilter(django_filters.FilterSet):
    is_active = django_filters.BooleanFilter()
    skill = django_filters.ChoiceFilter(
        choices=VehicleSkill.choices, method="filter_skill", help_text="Drivers with this skill."
    )
    q = django_filters.CharFilter(method="filter_q", help_text="Username or name contains.")

    class Meta:
        model = Driver
        fields: list[str] = []

    def filter_skill(self, queryset, name, value):
        return queryset.filter(skills__contains=[value])

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(user__username__icontains=value)
            | Q(user__first_name__icontains=value)
            | Q(user__last_name__icontains=value)
        )


class ShiftFilter(django_filters.FilterSet):
    depot = django_filters.CharFilter(
        field_name="vehicle__depot__code", help_text="Depot code (the vehicle's home depot)."
    )
    date = django_filters.DateFilter(help_text="The shift's day (YYYY-MM-DD).")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    vehicle = django_filters.CharFilter(field_name="vehicle__code", help_text="Vehicle code.")
    driver = django_filters.NumberFilter(field_name="driver_id", help_text="Driver id.")

    class Meta:
        model = Shift
        fields: list[str] = []
