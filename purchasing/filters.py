"""django-filter filter sets of the purchasing lists (held to their types by
core.filtering.ApiFilterBackend: `?from=soon` answers 400 naming `from`)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from purchasing.models import PurchaseOrder, Supplier

# `overdue=1` is how the list has always been asked for late orders; true/false work as well.
_FLAGS = {"1": True, "true": True, "0": False, "false": False}


class PurchaseOrderFilter(django_filters.FilterSet):
    """The filters `purchasing.selectors.purchase_order_list` takes, by their query names.

    The queryset comes from that selector, which annotates `is_overdue` (its rule of
    lateness); `overdue` only picks a side of it."""

    status = django_filters.ChoiceFilter(choices=PurchaseOrder.Status.choices)
    supplier = django_filters.CharFilter(field_name="supplier__code", help_text="Supplier code.")
    warehouse = django_filters.CharFilter(field_name="warehouse__code", help_text="Warehouse code.")
    # `from` is a Python keyword, so these two are added to the class namespace by name.
    locals()["from"] = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", help_text="Created on or after."
    )
    locals()["to"] = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", help_text="Created on or before."
    )
    overdue = django_filters.ChoiceFilter(
        choices=[(flag, "overdue" if late else "not overdue") for flag, late in _FLAGS.items()],
        method="_overdue",
        help_text="1: only orders due before today whose goods are still expected; 0: the rest.",
    )
    q = django_filters.CharFilter(
        method="_search", help_text="Part of the reference or the supplier's reference."
    )

    class Meta:
        model = PurchaseOrder
        fields: list[str] = []

    def _overdue(self, queryset, name, value):
        return queryset.filter(is_overdue=_FLAGS[value])

    def _search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value) | Q(supplier_reference__icontains=value)
        )


class SupplierFilter(django_filters.FilterSet):
    """`active=1` (or true) keeps active suppliers only, `active=0` (or false) inactive ones;
    `q` searches name and code."""

    active = django_filters.ChoiceFilter(
        choices=[(flag, "active" if on else "inactive") for flag, on in _FLAGS.items()],
        method="_active",
        help_text="1: active suppliers only; 0: inactive ones.",
    )
    q = django_filters.CharFilter(method="_search", help_text="Part of the name or the code.")

    class Meta:
        model = Supplier
        fields: list[str] = []

    def _active(self, queryset, name, value):
        return queryset.filter(is_active=_FLAGS[value])

    def _search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))
