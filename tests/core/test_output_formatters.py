"""The fast formatters of core.output give what each DRF field's `to_representation` gives,
value for value: the usual values take the quick path, anything else the field itself."""

from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import models
from django.utils import timezone
from rest_framework import serializers

from core.output import _formatter


class Colour(models.TextChoices):
    RED = "red", "Red"


BERLIN = ZoneInfo("Europe/Berlin")

CASES = [
    (serializers.CharField(), ["plain", "", "«Hof» — ü", Colour.RED, 12, Decimal("1.5")]),
    (serializers.IntegerField(), [0, -3, 10**12, True, Decimal("4"), "7"]),
    (serializers.BooleanField(), [True, False, 1, 0, "true", "no"]),
    (serializers.BooleanField(allow_null=True), [True, "null", ""]),
    (
        serializers.DateTimeField(),
        [
            datetime(2026, 5, 4, 7, 30, tzinfo=UTC),
            datetime(2026, 5, 4, 7, 30, 0, 1234, tzinfo=UTC),
            datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN),
            datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN),
            datetime(2026, 5, 4, 7, 30, tzinfo=dt_timezone(timedelta(hours=-3, minutes=-30))),
            datetime(2026, 5, 4, 7, 30),  # naive: made aware in the current zone
            "2026-05-04T07:30:00Z",
        ],
    ),
    (serializers.DateTimeField(default_timezone=BERLIN), [datetime(2026, 5, 4, tzinfo=UTC)]),
    (serializers.DateTimeField(format="%Y-%m-%d %H:%M"), [datetime(2026, 5, 4, tzinfo=UTC)]),
    (
        serializers.DecimalField(max_digits=12, decimal_places=2),
        [
            Decimal("12.50"),
            Decimal("12.5"),
            Decimal("0.10"),
            Decimal("-0.00"),
            Decimal("1234567.99"),
            Decimal("12.345"),
            Decimal("1E+2"),
            12.5,
            "3.1",
            7,
        ],
    ),
    (serializers.DecimalField(max_digits=4, decimal_places=2), [Decimal("99.99")]),
    (serializers.DecimalField(max_digits=9, decimal_places=6), [Decimal("0.000100")]),
    (
        serializers.DecimalField(max_digits=9, decimal_places=3, coerce_to_string=False),
        [Decimal("1.500")],
    ),
    (
        serializers.DecimalField(max_digits=9, decimal_places=3, normalize_output=True),
        [Decimal("1.500")],
    ),
]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/St_Johns"])
@pytest.mark.parametrize(("field", "values"), CASES, ids=lambda c: type(c).__name__)
def test_a_formatter_prints_what_the_field_prints(field, values, zone):
    with timezone.override(zone):
        fast = _formatter(field)
        for value in values:
            assert fast(value) == field.to_representation(value), value
            assert type(fast(value)) is type(field.to_representation(value))


def test_a_decimal_with_more_digits_than_the_field_allows_fails_as_in_drf():
    field = serializers.DecimalField(max_digits=4, decimal_places=2)
    fast = _formatter(field)
    with pytest.raises(Exception) as drf:
        field.to_representation(Decimal("123.45"))
    with pytest.raises(drf.type):
        fast(Decimal("123.45"))
