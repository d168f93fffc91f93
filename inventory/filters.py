"""django-filter filter sets shared by the report pages and the API (one definition each)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from inventory.models import Location, Product, Stock, StockCondition, StockMove, Warehouse


class _Search(django_filters.CharFilter):
    def __init__(self, *fields, **kwargs):
        self.fields = fields
        kwargs.setdefault("label", "Search")
        super().__init__(method=self._search, **kwargs)

    def _search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        query = Q()
        for field in self.fields:
            query |= Q(**{f"{field}__icontains": value})
        return queryset.filter(query)


class _IdFilter(django_filters.NumberFilter):
    """An integer id: "1.5" is refused rather than truncated to 1. For API clients and links
    (a product's "history at this location"): pages carry it as a hidden field, since a
    person picks a location by its code."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(*args, **kwargs)


class StockFilter(django_filters.FilterSet):
    """Filters for stock rows and every report built on them."""

    q = _Search("product__sku", "product__name", "product__barcode", label="Product")
    product = django_filters.CharFilter(
        field_name="product__sku", lookup_expr="iexact", label="SKU"
    )
    warehouse = django_filters.ModelChoiceFilter(
        field_name="location__warehouse",
        to_field_name="code",
        queryset=Warehouse.objects.all(),
        empty_label="All warehouses",
        label="Warehouse",
    )
    location = _IdFilter(field_name="location_id", label="Location id")
    location_code = django_filters.CharFilter(
        field_name="location__code", lookup_expr="istartswith", label="Location"
    )
    location_kind = django_filters.ChoiceFilter(
        field_name="location__kind", choices=Location.Kind.choices, label="Location kind"
    )
    condition = django_filters.ChoiceFilter(choices=StockCondition.choices)
    lot = django_filters.CharFilter(field_name="lot__code", lookup_expr="iexact", label="Lot")

    class Meta:
        model = Stock
        fields: list[str] = []


class ProductFilter(django_filters.FilterSet):
    q = _Search("sku", "name", "barcode")
    is_active = django_filters.BooleanFilter(label="Active")
    perishable = django_filters.BooleanFilter(
        field_name="shelf_life_days", lookup_expr="isnull", exclude=True, label="Has expiry"
    )

    class Meta:
        model = Product
        fields: list[str] = []


class LocationFilter(django_filters.FilterSet):
    warehouse = django_filters.ModelChoiceFilter(
        to_field_name="code", queryset=Warehouse.objects.all()
    )
    kind = django_filters.ChoiceFilter(choices=Location.Kind.choices)
    code = django_filters.CharFilter(lookup_expr="istartswith")
    is_active = django_filters.BooleanFilter(label="Active")

    class Meta:
        model = Location
        fields: list[str] = []


class StockMoveFilter(django_filters.FilterSet):
    """Movement history: per product, kind, warehouse, location, reference, user, period."""

    product = django_filters.CharFilter(
        field_name="product__sku", lookup_expr="iexact", label="SKU"
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=StockMove.Kind.choices, widget=forms.SelectMultiple(attrs={"size": 1})
    )
    warehouse = extend_schema_field(OpenApiTypes.STR)(
        django_filters.ModelChoiceFilter(
            to_field_name="code",
            queryset=Warehouse.objects.all(),
            method="_in_warehouse",
            empty_label="All warehouses",
            help_text="Warehouse code",
            label="Warehouse",
        )
    )
    location = extend_schema_field(OpenApiTypes.INT)(
        _IdFilter(method="_at_location", label="Location id")
    )
    reference = django_filters.CharFilter(lookup_expr="icontains", label="Reference")
    user = django_filters.CharFilter(
        field_name="user__username", lookup_expr="iexact", label="User", help_text="Username"
    )
    date_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = StockMove
        fields: list[str] = []

    def _in_warehouse(self, queryset, name, value):
        return queryset.filter(Q(from_location__warehouse=value) | Q(to_location__warehouse=value))

    def _at_location(self, queryset, name, value):
        return queryset.filter(Q(from_location_id=value) | Q(to_location_id=value))
