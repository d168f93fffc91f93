"""Faster output serializers for the API's hot reads.

`FastOutputMixin` gives a DRF serializer the representation DRF would give, for less work per
row: the readable fields and their source paths are resolved once per serializer instance
(a list's child serializer is one instance for the whole page), and each row is then read
with plain attribute lookups. Anything unusual on the way (a callable, a missing attribute,
a lookup error) falls back to the field's own `get_attribute`, so defaults, `SkipField` and
nulls behave exactly as in DRF. The commonest fields (text, integers, booleans, ISO times,
fixed-point decimals, with DRF's default options) format the commonest values the way their
`to_representation` does, without its per-value set-up (the current time zone looked up per
time, a decimal context copied per decimal); any other field or value goes to the field.

`json_array` reads a related list inside its parent's query (an array of JSON objects) instead
of a prefetch, which costs a round trip and a model instance per row.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db import DEFAULT_DB_ALIAS
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject
from django.db.models.manager import BaseManager
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import fields
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings

_FALLBACK = object()


# Whether a type is a Mapping, per type: the ABC check per value cost more than the lookup.
_IS_MAPPING: dict[type, bool] = {}


def _read(instance, attrs):
    value = instance
    for attr in attrs:
        if value is None:
            return None
        kind = type(value)
        is_mapping = _IS_MAPPING.get(kind)
        if is_mapping is None:
            is_mapping = _IS_MAPPING[kind] = isinstance(value, Mapping)
        if is_mapping:
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


_FIELDS: dict[type, dict] = {}


def _formatter(field):
    """A function giving `field.to_representation(value)`, quicker for the usual values."""
    general = field.to_representation
    kind = type(field)
    if kind is fields.CharField:
        return lambda value: value if type(value) is str else general(value)
    if kind is fields.IntegerField:
        return lambda value: value if type(value) is int else general(value)
    if kind is fields.BooleanField:
        return lambda value: value if type(value) is bool else general(value)
    if (
        kind is fields.DateTimeField
        and not hasattr(field, "format")
        and not hasattr(field, "timezone")
        and api_settings.DATETIME_FORMAT.lower() == fields.ISO_8601
        and settings.USE_TZ
    ):
        # DRF looks the zone up per value; one serialization runs in one zone.
        zone = timezone.get_current_timezone()

        def iso(value):
            if type(value) is not datetime or value.utcoffset() is None:
                return general(value)
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return iso
    if (
        kind is fields.DecimalField
        and field.decimal_places is not None
        and field.max_digits is not None
        and getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        and not field.localize
        and not field.normalize_output
    ):
        places = -field.decimal_places
        digits = field.max_digits

        def fixed(value):
            # A decimal already at the field's places is what quantizing it gives.
            if type(value) is Decimal and value.is_finite():
                _sign, numerals, exponent = value.as_tuple()
                if exponent == places and len(numerals) <= digits:
                    return f"{value:f}"
            return general(value)

        return fixed
    return general


class FastOutputMixin:
    """Mix into an output serializer (before the DRF base class).

    `overwritten_fields`: names the serializer's own `to_representation` sets after calling
    this one (e.g. times in a warehouse's zone); their place in the output is kept, their
    value not computed twice."""

    overwritten_fields: tuple[str, ...] = ()

    def get_fields(self):
        # A ModelSerializer derives its fields from the model on every instance (a third of a
        # small detail read); they depend on the class alone, so build them once and hand
        # each instance copies (fields are bound to their serializer, so never shared).
        cls = type(self)
        prototype = _FIELDS.get(cls)
        if prototype is None:
            prototype = _FIELDS[cls] = super().get_fields()
        return copy.deepcopy(prototype)

    def to_representation(self, instance):
        plan = self.__dict__.get("_output_plan")
        if plan is None:
            skip = set(self.overwritten_fields)
            plan = [
                (f.field_name, tuple(f.source_attrs), f, _formatter(f), f.field_name in skip)
                for f in self._readable_fields
            ]
            self.__dict__["_output_plan"] = plan
        ret = {}
        for name, attrs, field, formatted, overwritten in plan:
            if overwritten:
                ret[name] = None
                continue
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
            ret[name] = None if check is None else formatted(value)
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


# --- JSON text built by PostgreSQL ------------------------------------------------------------
# For the longest lists the database writes each row's JSON text, formatted as DRF's
# JSONRenderer would print the serializer's output (compact, UTF-8, keys in field order), and
# Python only joins the rows. The fragments below are SQL over a value expression; each yields
# the JSON text of the value, `null` for NULL.


def sql_json(expr: str) -> str:
    """Text, integers, booleans and arrays of them: PostgreSQL's JSON escaping is Python's
    (`"`, `\\`, \\b \\f \\n \\r \\t, other control characters as lower-case \\u00XX)."""
    return f"COALESCE(to_json({expr})::text, 'null')"


def sql_json_decimal(expr: str) -> str:
    """A numeric column as DRF's DecimalField prints it: a string at the column's scale (the
    serializer field must have the column's decimal places; tests hold them together)."""
    return f"COALESCE(to_json(({expr})::text)::text, 'null')"


def sql_json_date(expr: str) -> str:
    return f"""COALESCE('"' || to_char({expr}, 'YYYY-MM-DD') || '"', 'null')"""


def sql_json_time(expr: str, zone: str, *, utc_z: bool) -> str:
    """A timestamptz as `datetime.isoformat()` in `zone` (SQL text expression) prints it:
    microseconds only when not zero, the offset as +HH:MM (+HH:MM:SS for an offset with
    seconds); with `utc_z` an offset of zero is `Z` (DRF's DateTimeField)."""
    local = f"({expr} AT TIME ZONE {zone})"
    utc = f"({expr} AT TIME ZONE 'UTC')"
    off = f"(extract(epoch from {local} - {utc})::int)"
    sign = f"CASE WHEN {off} < 0 THEN '-' ELSE '+' END"
    hh_mm = (
        f"lpad((abs({off}) / 3600)::text, 2, '0') || ':' "
        f"|| lpad(mod(abs({off}) / 60, 60)::text, 2, '0')"
    )
    seconds = f"lpad(mod(abs({off}), 60)::text, 2, '0')"
    ss = f"CASE WHEN mod(abs({off}), 60) = 0 THEN '' ELSE ':' || {seconds} END"
    offset = f"{sign} || {hh_mm} || {ss}"
    if utc_z:
        offset = f"CASE WHEN {off} = 0 THEN 'Z' ELSE {offset} END"
    if zone == "'UTC'":  # (the default zone: no offset to work out)
        offset = "'Z'" if utc_z else "'+00:00'"
    text = (
        f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS') "
        f"|| CASE WHEN date_trunc('second', {utc}) = {utc} THEN '' "
        f"ELSE to_char({local}, '.US') END "
        f"|| {offset}"
    )
    return f"""CASE WHEN {expr} IS NULL THEN 'null' ELSE '"' || {text} || '"' END"""


def sql_json_object(members: list[tuple[str, str]]) -> str:
    """`{"name":value,…}` from (name, JSON text SQL) pairs, in their order."""
    parts = []
    for index, (name, value) in enumerate(members):
        key = ("{" if index == 0 else ",") + json.dumps(name) + ":"
        parts.append(f"'{key}' || {value}")
    return "(" + " || ".join(parts) + " || '}')"


class Prerendered:
    """A response body already in JSON (what `PrerenderedJSONRenderer` sends as it is)."""

    __slots__ = ("content",)

    def __init__(self, content: bytes):
        self.content = content


class PrerenderedJSONRenderer(JSONRenderer):
    """DRF's JSONRenderer that passes a `Prerendered` body through; anything else (errors,
    other methods of the view) is rendered as usual, and so is a prerendered body a client
    asked to have indented."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if type(data) is Prerendered:
            if self.get_indent(accepted_media_type or "", renderer_context or {}) is None:
                return data.content
            data = json.loads(data.content)
        return super().render(data, accepted_media_type, renderer_context)


_SLOT = "\x00results\x00"


def json_page(paginator, rows: list[str]) -> Prerendered:
    """The paginator's page envelope (next/previous links) around rows already in JSON text,
    byte for byte what JSONRenderer prints for the page."""
    envelope = JSONRenderer().render(paginator.get_paginated_response(_SLOT).data)
    body = ",".join(rows)
    if "\u2028" in body or "\u2029" in body:  # (JSONRenderer escapes them for JavaScript)
        body = body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    slot = JSONRenderer().render(_SLOT)
    return Prerendered(envelope.replace(slot, b"[" + body.encode() + b"]", 1))


def sql_zone(name: str) -> str:
    """A time zone name as an SQL literal."""
    return "'" + name.replace("'", "''") + "'"


def sql_column(model, name: str, alias: str) -> str:
    """A model field's column under a table alias, quoted: `alias."column"`."""
    return f'{alias}."{model._meta.get_field(name).column}"'


def sql_table(model, alias: str) -> str:
    """A model's table with an alias, for a FROM or JOIN."""
    return f'"{model._meta.db_table}" {alias}'


def sql_select(what: str, tables: str, where: str) -> str:
    """`SELECT what FROM tables WHERE where`. The names come from the models: the caller passes
    every value that comes from input as a parameter, never in these strings."""
    return " ".join(["SELECT", what, "FROM", tables, "WHERE", where])


def sql_json_serializer(serializer, sources: dict[str, str], *, zone: str) -> str:
    """The JSON text SQL of a flat output serializer's representation: each readable field's
    value from `sources` (field name → SQL expression), formatted by the field's kind as DRF
    formats it; times in `zone` (an SQL literal: the current zone). A kind not listed here
    (or a field with a format of its own) raises TypeError rather than print it differently."""
    text_kinds = (fields.CharField, fields.IntegerField, fields.BooleanField, fields.ChoiceField)
    iso_times = api_settings.DATETIME_FORMAT.lower() == fields.ISO_8601 and settings.USE_TZ
    iso_dates = api_settings.DATE_FORMAT.lower() == fields.ISO_8601
    members = []
    for field in serializer._readable_fields:
        expr, kind = sources[field.field_name], type(field)
        own_format = hasattr(field, "format") or hasattr(field, "timezone")
        big_as_text = kind is fields.BigIntegerField and getattr(
            field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING
        )
        if kind in text_kinds or (kind is fields.BigIntegerField and not big_as_text):
            value = sql_json(expr)
        elif kind is fields.DateTimeField and iso_times and not own_format:
            value = sql_json_time(expr, zone, utc_z=True)
        elif kind is fields.DateField and iso_dates and not own_format:
            value = sql_json_date(expr)
        else:
            raise TypeError(f"{field.field_name}: {kind.__name__} is not printed in SQL")
        members.append((field.field_name, value))
    return sql_json_object(members)
