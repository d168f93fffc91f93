"""django-filter filter sets of the routing API's lists (held to their types by
core.filtering.ApiFilterBackend: `?date=tomorrow` answers 400 naming the parameter)."""

from __future__ import annotations

import django_filters

from routing.models import Plan, Route


class PlanFilter(django_filters.FilterSet):
    date = django_filters.DateFilter(help_text="The plan's day (YYYY-MM-DD).")

    class Meta:
        model = Plan
        fields: list[str] = []


class RouteFilter(django_filters.FilterSet):
    plan = django_filters.CharFilter(
        field_name="plan__reference", help_text="The plan's reference."
    )
    date = django_filters.DateFilter(field_name="plan__date", help_text="The plan's day.")

    class Meta:
        model = Route
        fields: list[str] = []
