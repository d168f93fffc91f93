"""django-filter for the API, held to the query-parameter types the OpenAPI schema states.

The filter sets are shared with the HTML filter bars, whose forms are lenient on purpose: a blank
field means "any", and a yes/no select maps any unknown word to "any". The API documents
`is_active` as a boolean and `date_to` as a date, so there `?is_active=null` or `?date_to=`
answers 400 naming the parameter instead of silently dropping the filter.
"""

from django_filters import filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

# Filters documented as free strings: an empty value is a valid string (and filters nothing).
_STRING_FILTERS = (filters.CharFilter, filters.ModelChoiceFilter, filters.ModelMultipleChoiceFilter)
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


class ApiFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            errors = query_type_errors(filterset_class, request.query_params)
            if errors:
                raise ValidationError(errors)
        return super().filter_queryset(request, queryset, view)
