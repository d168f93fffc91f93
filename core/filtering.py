"""django-filter for the API, held to the query-parameter types the OpenAPI schema states.

The filter sets are shared with the HTML filter bars, whose forms are lenient on purpose: a blank
field means "any", and a yes/no select maps any unknown word to "any". The API documents
`is_active` as a boolean and `date_to` as a date, so there `?is_active=null` or `?date_to=`
answers 400 naming the parameter instead of silently dropping the filter.

A filter that names an object (`?warehouse=BER`, a `ModelChoiceFilter`) takes any string, as its
schema says: a name that matches nothing filters everything out (an empty page), it is not an
error. The schema of each parameter is what the server enforces (`ApiFilterExtension`): ids are
integers, and parameters that refuse an empty value say `minLength: 1` (or leave "" out of
their enum).
"""

from django import forms
from django_filters import filters
from django_filters.filterset import BaseFilterSet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from rest_framework.exceptions import ValidationError

# Filters documented as free strings: an empty value is a valid string (and filters nothing).
# A comma-separated list (`?status=new,packed`) is documented as an array: empty is an empty list.
_STRING_FILTERS = (
    filters.CharFilter,
    filters.ModelChoiceFilter,
    filters.ModelMultipleChoiceFilter,
    filters.BaseCSVFilter,
)
_OBJECT_FILTERS = (filters.ModelChoiceFilter, filters.ModelMultipleChoiceFilter)
_BOOLEANS = ("true", "false")


def query_type_errors(filterset_class, params) -> dict[str, list[str]]:
    """Parameters whose value cannot be of the filter's documented type, with the reason."""
    errors = {}
    for name, filter_ in filterset_class.base_filters.items():
        values = params.getlist(name)
        if not values or isinstance(filter_, _STRING_FILTERS):
            continue
        if "" in values:
            errors[name] = ["Give a value or leave the parameter out."]
        elif isinstance(filter_, filters.BooleanFilter) and any(
            value not in _BOOLEANS for value in values
        ):
            errors[name] = ["Must be true or false."]
    return errors


def _unknown_names_only(filterset) -> bool:
    """Whether every error is an object filter's unknown name (which matches nothing)."""
    for name, errors in filterset.errors.as_data().items():
        if not isinstance(filterset.filters.get(name), _OBJECT_FILTERS):
            return False
        if any(error.code != "invalid_choice" for error in errors):
            return False
    return True


class ApiFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        if filterset_class.filter_queryset is BaseFilterSet.filter_queryset and not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            # No filter asked for (a list's plain read): building the form would change nothing.
            return queryset
        errors = query_type_errors(filterset_class, request.query_params)
        if errors:
            raise ValidationError(errors)
        filterset = self.get_filterset(request, queryset, view)
        if not filterset.is_valid():
            if _unknown_names_only(filterset):
                return queryset.none()
            raise ValidationError(filterset.errors)
        return filterset.qs


class ApiFilterExtension(DjangoFilterExtension):
    """The parameters' schema as ApiFilterBackend enforces it (see the module docstring)."""

    target_class = "core.filtering.ApiFilterBackend"
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        for parameter in parameters:
            schema = parameter["schema"]
            item = schema.get("items", schema)
            if issubclass(filter_field.field_class, forms.IntegerField):
                item["type"] = "integer"
            if isinstance(filter_field, _STRING_FILTERS):
                continue
            if "enum" in item:
                item["enum"] = [value for value in item["enum"] if value not in ("", None)]
            elif item.get("type") == "string" and "format" not in item:
                item.setdefault("minLength", 1)
        return parameters
