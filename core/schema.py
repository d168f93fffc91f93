"""OpenAPI conventions: per-view component names, problem responses and rate-limit headers."""

from django.core.validators import RegexValidator
from drf_spectacular.openapi import AutoSchema as _SpectacularAutoSchema
from rest_framework import serializers

from core.serializer_fields import NOT_ONLY_SPACE

# What DRF's TimeField accepts and prints ("06:00", "06:00:00", "06:00:00.250000"). JSON Schema's
# `format: time` demands a UTC offset, which a warehouse's opening hours never carry.
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"

# --- Common responses on every operation (postprocessing hook, see SPECTACULAR_SETTINGS) --------
# Every API answer may be a problem document (401/403/429, 404 on detail routes, 400/409/422 on
# writes) and carries the RateLimit-* headers; documenting them here once keeps endpoints added
# later complete without each app repeating it.

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["field", "code", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "errors"],
    "additionalProperties": True,
}
_RATE_HEADERS = {
    "RateLimit-Limit": "Requests allowed in the current window.",
    "RateLimit-Remaining": "Requests left in the current window.",
    "RateLimit-Reset": "Seconds until the window resets.",
}
_DESCRIPTIONS = {
    "400": "Invalid request (problem details naming the fields).",
    "401": "Missing, invalid, revoked or expired API key.",
    "403": "The key lacks the scope this operation needs.",
    "404": "No such object for this partner (or an invalid pagination cursor).",
    "409": "Conflict with the current state.",
    "422": "A business rule refused the request (problem details naming the field).",
    "414": "The request line (URL) is longer than 8190 bytes; answered by the web server.",
    "429": "Too many requests: wait `Retry-After` seconds.",
}
_METHODS = {"get", "post", "put", "patch", "delete"}


def _problem_response(code: str) -> dict:
    if code == "414":
        # gunicorn answers before Django sees the request (gunicorn.conf.py): a short HTML page.
        return {"description": _DESCRIPTIONS[code]}
    response = {
        "description": _DESCRIPTIONS[code],
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }
    if code == "429":
        response["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
    return response


def add_common_responses(result, generator, request, public):
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).setdefault("Problem", PROBLEM_SCHEMA)
    headers = components.setdefault("headers", {})
    for name, text in _RATE_HEADERS.items():
        headers.setdefault(name, {"description": text, "schema": {"type": "integer"}})
    headers.setdefault(
        "Retry-After", {"description": "Seconds to wait.", "schema": {"type": "integer"}}
    )
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                if code.startswith("2"):
                    response.setdefault("headers", {}).update(
                        {n: {"$ref": f"#/components/headers/{n}"} for n in _RATE_HEADERS}
                    )
            codes = ["400", "401", "403", "414", "429"]
            params = {p.get("name") for p in operation.get("parameters", [])}
            if "{" in path or "cursor" in params:  # DRF answers 404 for a stale/forged cursor
                codes.append("404")
            if method != "get":
                codes += ["409", "422"]
            elif params - {"cursor", "page_size"}:
                # Query parameters that each fit the schema may still contradict each other.
                codes.append("422")
            # An operation may name more, e.g. a 404 for an id given in the body:
            # @extend_schema(extensions={"x-problem-responses": ["404"]}).
            codes += operation.pop("x-problem-responses", [])
            for code in codes:
                responses.setdefault(code, _problem_response(code))
    return result


def _refuses_blank(field) -> bool:
    return (
        isinstance(field, serializers.CharField)
        and not field.allow_blank
        and not field.read_only
        and not isinstance(field, serializers.ChoiceField)
    )


def _has_format(field, schema) -> bool:
    """A format or a regular expression of its own (validators are mapped after the field)."""
    return "format" in schema or any(isinstance(v, RegexValidator) for v in field.validators)


class AutoSchema(_SpectacularAutoSchema):
    """Names nested serializers after their view (`PoApproveApi.InputSerializer` →
    `PoApproveApiInput`) so the styleguide's per-view `InputSerializer`/`OutputSerializer`
    classes never collide in the OpenAPI components."""

    def _get_serializer_name(self, serializer, direction, bypass_extensions=False):
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        # Request components carry a "Request" suffix (COMPONENT_SPLIT_REQUEST).
        suffix = "Request" if direction == "request" and name.endswith("Request") else ""
        stem = name.removesuffix(suffix) if suffix else name
        cls = serializer if isinstance(serializer, type) else type(serializer)
        qualname = getattr(cls, "__qualname__", "")
        base = cls.__name__.removesuffix("Serializer")
        if "." in qualname and "<locals>" not in qualname and stem.endswith(base):
            outer = qualname.rsplit(".", 1)[0].replace(".", "")
            return stem[: -len(base)] + outer + base + suffix
        return name

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """Nested `many=True` serializers state their length limits (`allow_empty=False`,
        `min_length`, `max_length`) like a ListField does."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            del schema["format"]
            schema["pattern"] = TIME_PATTERN
        if direction == "request" and _refuses_blank(field) and schema.get("type") == "string":
            # DRF trims a text before its blank check: "  " is refused like "". It trims what
            # Python calls white space, which is JSON Schema's \s plus the separators
            # \x1c-\x1f and \x85: a text must hold something else.
            schema.setdefault("minLength", 1)
            if field.trim_whitespace and "pattern" not in schema and not _has_format(field, schema):
                schema["pattern"] = NOT_ONLY_SPACE
        if isinstance(field, serializers.ListSerializer) and schema.get("type") == "array":
            least = field.min_length or (0 if field.allow_empty else 1)
            if least:
                schema.setdefault("minItems", least)
            if field.max_length is not None:
                schema.setdefault("maxItems", field.max_length)
        return schema

    def _map_basic_serializer(self, serializer, direction):
        """A serializer may declare `exactly_one_of = ("a", "b")` for fields of which a request
        must give exactly one; the schema states it as "any of them, not two together" (the
        same as `oneOf` of required alternatives, which the test-data generator often fails
        to satisfy)."""
        schema = super()._map_basic_serializer(serializer, direction)
        alternatives = getattr(serializer, "exactly_one_of", ())
        if alternatives:
            schema["anyOf"] = [{"required": [name]} for name in alternatives]
            pairs = [[a, b] for i, a in enumerate(alternatives) for b in alternatives[i + 1 :]]
            schema["not"] = {"anyOf": [{"required": pair} for pair in pairs]}
        return schema
