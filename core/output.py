"""Faster output serializers for the API's hot reads.

`FastOutputMixin` gives a DRF serializer the representation DRF would give, for less work per
row: the readable fields and their source paths are resolved once per serializer instance
(a list's child serializer is one instance for the whole page), and each row is then read
with plain attribute lookups. Anything unusual on the way (a callable, a missing attribute,
a lookup error) falls back to the field's own `get_attribute`, so defaults, `SkipField` and
nulls behave exactly as in DRF. Fields still format their values (`to_representation`).

`json_array` reads a related list inside its parent's query (an array of JSON objects) instead
of a prefetch, which costs a round trip and a model instance per row.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.postgres.expressions import ArraySubquery
from django.db import DEFAULT_DB_ALIAS
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject
from django.db.models.manager import BaseManager
from django.utils.dateparse import parse_datetime
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

_FALLBACK = object()


def _read(instance, attrs):
    value = instance
    for attr in attrs:
        if value is None:
            return None
        if isinstance(value, Mapping):
            value = value.get(attr, _FALLBACK)
            if value is _FALLBACK:
                return _FALLBACK
        else:
            value = getattr(value, attr, _FALLBACK)
            if value is _FALLBACK:
                return _FALLBACK
            if callable(value) and not isinstance(value, BaseManager):
                return _FALLBACK  # DRF calls simple callables; it decides
    return value


class FastOutputMixin:
    """Mix into an output serializer (before the DRF base class)."""

    def to_representation(self, instance):
        plan = self.__dict__.get("_output_plan")
        if plan is None:
            plan = [(f.field_name, tuple(f.source_attrs), f) for f in self._readable_fields]
            self.__dict__["_output_plan"] = plan
        ret = {}
        for name, attrs, field in plan:
            try:
                value = _read(instance, attrs)
            except Exception:  # (the ORM's lookup errors: DRF decides what they mean)
                value = _FALLBACK
            if value is _FALLBACK:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
            check = value.pk if isinstance(value, PKOnlyObject) else value
            ret[name] = None if check is None else field.to_representation(value)
        return ret


def json_array(qs, **fields):
    """The rows of `qs` as one array column of JSON objects (`fields`: name → column or
    expression) in the parent's SELECT: a related list read without a query of its own.
    Decimals should travel as text (`Cast(name, TextField())`): a JSON number comes back a float.
    """
    return ArraySubquery(qs.values(row=JSONObject(**fields)))


_COMPILED: dict[tuple, tuple[str, tuple, object]] = {}


def compiled_once(model, name: str, build) -> RawSQL:
    """The annotation `build()` (e.g. a `json_array` of the rows' children) on `model`'s rows,
    compiled to SQL once per process and reused as RawSQL: Django compiles an expression anew
    on every query, and for a few nested JSON arrays that took longer than running them. The
    SQL refers to the model's own table, so use it where that table is not aliased (the base
    table of a query on `model`)."""
    key = (model._meta.label, name)
    if key not in _COMPILED:
        query = model.objects.annotate(**{name: build()}).query
        expression = query.annotations[name]
        sql, params = query.get_compiler(using=DEFAULT_DB_ALIAS).compile(expression)
        _COMPILED[key] = (sql, tuple(params), expression.output_field)
    sql, params, output_field = _COMPILED[key]
    return RawSQL(sql, params, output_field=output_field)  # noqa: S611 (Django compiled it)


def json_array_times(rows: list[dict], *names: str) -> list[dict]:
    """The named ISO times of `json_array` rows as datetimes (what output serializers format)."""
    for row in rows:
        for name in names:
            if row.get(name) is not None:
                row[name] = parse_datetime(row[name])
    return rows
