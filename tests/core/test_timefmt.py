"""One rule for times on every page: the place's zone, whatever zone is active."""

import datetime as dt
import zoneinfo
from types import SimpleNamespace

import pytest
from django.template import Context, Template

from core import timefmt

D = timefmt.DASH

UTC = dt.UTC
WINTER = dt.datetime(2026, 1, 13, 8, 5, tzinfo=UTC)  # 09:05 in Berlin (CET)
SUMMER = dt.datetime(2026, 7, 14, 8, 5, tzinfo=UTC)  # 10:05 in Berlin (CEST)


def test_a_moment_is_shown_in_the_places_zone_in_winter_and_summer():
    assert timefmt.hm(WINTER, "Europe/Berlin") == "09:05"
    assert timefmt.hm(SUMMER, "Europe/Berlin") == "10:05"
    assert timefmt.day_hm(WINTER, "Europe/Berlin") == "Tue 13 Jan, 09:05"
    assert timefmt.stamp(SUMMER, "Europe/Berlin") == "2026-07-14 10:05"
    assert timefmt.hm(None, "Europe/Berlin") == ""


def test_the_place_may_be_a_warehouse_a_zone_name_a_tzinfo_or_nothing(settings):
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    warehouse = SimpleNamespace(timezone="Europe/Berlin")
    depot = SimpleNamespace(tzinfo=berlin)
    assert {timefmt.hm(WINTER, p) for p in (warehouse, depot, berlin, "Europe/Berlin")} == {"09:05"}
    settings.TIME_ZONE = "America/New_York"
    assert timefmt.hm(WINTER, None) == "03:05"
    with pytest.raises(TypeError):
        timefmt.zone(object())


def test_a_span_names_the_day_of_its_end_only_across_midnight():
    start = dt.datetime(2026, 1, 13, 21, 0, tzinfo=UTC)
    assert timefmt.span(start, start + dt.timedelta(hours=1), "Europe/Berlin") == f"22:00{D}23:00"
    assert (
        timefmt.span(start, start + dt.timedelta(hours=3), "Europe/Berlin")
        == f"22:00{D}Wed 14 Jan, 01:00"
    )
    assert timefmt.span(start, None, "Europe/Berlin") == "22:00"


def test_zones_differ_only_when_places_are_in_different_zones():
    assert not timefmt.zones_differ(["Europe/Berlin", SimpleNamespace(timezone="Europe/Berlin")])
    assert timefmt.zones_differ(["Europe/Berlin", "Europe/London"])


def test_template_filters_ignore_the_active_zone():
    template = Template(
        "{% load tz waybill_time %}{% timezone 'UTC' %}"
        "{{ at|hm:place }} | {{ at|day_hm:place }} | {% span at end place %} | "
        "{{ at|stamp:place }} | {{ place|zone_label }}"
        "{% endtimezone %}"
    )
    out = template.render(
        Context({"at": WINTER, "end": WINTER + dt.timedelta(hours=1), "place": "Europe/Berlin"})
    )
    assert out == f"09:05 | Tue 13 Jan, 09:05 | 09:05{D}10:05 | 2026-01-13 09:05 | Europe/Berlin"
