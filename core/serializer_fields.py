"""Serializer fields that accept only the JSON type the OpenAPI schema promises.

DRF's fields coerce: `CharField` takes 12 as "12", `BooleanField` takes "yes" and 1,
`IntegerField` takes "7". The schema says string/boolean/integer, so a client sending another
type gets a 400 naming the field instead (schemathesis' negative-data checks rely on it).

Every `CharField` (and its subclasses: email, URL, regex, slug) refuses a non-string once
`strict_strings_everywhere()` ran (CoreConfig.ready), so no serializer can forget it; the
strict boolean and integer fields stay opt-in because query-string serializers parse "true"
and "7" on purpose.
"""

from django.core.validators import RegexValidator
from rest_framework import serializers

# A text that holds more than white space, as DRF trims it (Python's white space: JSON Schema's
# \s plus the separators \x1c-\x1f and \x85), written so JSON Schema's regex dialect agrees.
NOT_ONLY_SPACE = r"[^\s\u001c-\u001f\u0085]"

_char_to_internal_value = serializers.CharField.to_internal_value


def _strict_char_to_internal_value(self, data):
    if not isinstance(data, str):
        self.fail("invalid")
    return _char_to_internal_value(self, data)


def strict_strings_everywhere() -> None:
    """Make every serializer CharField refuse numbers, booleans, lists and objects (400)."""
    serializers.CharField.to_internal_value = _strict_char_to_internal_value


class _StrictString:
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(_StrictString, serializers.CharField):
    pass


class StrictRegexField(_StrictString, serializers.RegexField):
    pass


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class NonBlankCharField(serializers.CharField):
    """A required text that must hold more than whitespace: what `CharField` enforces after
    trimming, stated in the schema (`minLength: 1`, `pattern`: NOT_ONLY_SPACE) so clients and
    the contract test know that "  " or a lone separator character is not a value."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_length", 1)
        kwargs.setdefault("allow_blank", False)
        super().__init__(**kwargs)
        self.validators.append(
            RegexValidator(NOT_ONLY_SPACE, message="This field may not be blank.")
        )
