"""django-filter filter sets of the orders API's lists (held to their types by
core.filtering.ApiFilterBackend: `?date=yesterday` or `?status=lost` answers 400 naming the
parameter)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from orders.models import CustomerOrder, OrderStatus, Return, ReturnStatus
from orders.selectors import window_local_date


class _StatusIn(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """A comma-separated list of statuses (`new,confirmed`); each must be a known one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("field_name", "status")
        kwargs.setdefault("lookup_expr", "in")
        super().__init__(*args, **kwargs)
        csv_field = self.field_class

        class _NoBlanks(csv_field):
            # The choice field takes "" for "any"; between commas it is a typo ("new,,packed").
            def clean(self, value):
                values = super().clean(value)
                if values and "" in values:
                    raise forms.ValidationError("Name a status between the commas.", "invalid")
                return values

        self.field_class = _NoBlanks


class OrderFilter(django_filters.FilterSet):
    status = _StatusIn(
        choices=OrderStatus.choices, help_text="One status or a comma-separated list."
    )
    warehouse = django_filters.CharFilter(field_name="warehouse__code", help_text="Warehouse code.")
    external_ref = django_filters.CharFilter(help_text="Your own reference, exactly.")
    date = django_filters.DateFilter(
        method="_window_day",
        help_text="The day the first delivery window starts, in the warehouse's time zone.",
    )
    partner = django_filters.CharFilter(
        method="_partner", help_text="Partner code (staff only; a partner sees its own orders)."
    )
    q = django_filters.CharFilter(
        method="_search", help_text="Part of the reference, your reference, name or address."
    )

    class Meta:
        model = CustomerOrder
        fields: list[str] = []

    def _window_day(self, queryset, name, value):
        return queryset.annotate(window_day=window_local_date()).filter(window_day=value)

    def _partner(self, queryset, name, value):
        if getattr(getattr(self.request, "user", None), "partner", None) is not None:
            return queryset  # a partner's list is already its own
        return queryset.filter(partner__code=value)

    def _search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(external_ref__icontains=value)
            | Q(customer__name__icontains=value)
            | Q(address__icontains=value)
        )


class ReturnFilter(django_filters.FilterSet):
    status = _StatusIn(
        choices=ReturnStatus.choices, help_text="One status or a comma-separated list."
    )
    warehouse = django_filters.CharFilter(field_name="warehouse__code", help_text="Warehouse code.")
    order = django_filters.CharFilter(
        field_name="order__reference", help_text="The order's reference."
    )

    class Meta:
        model = Return
        fields: list[str] = []
