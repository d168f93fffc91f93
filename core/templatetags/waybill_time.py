"""Template side of core.timefmt: `{% load waybill_time %}` then

    {{ stop.eta|hm:depot }}                 14:05      (depot: Warehouse, zone name or tzinfo)
    {{ event.at|day_hm:order.warehouse }}   Tue 3 Mar, 14:05
    {{ row.created_at|stamp:po.warehouse }} 2026-03-03 14:05
    {% span start end depot %}              09:00-10:00 (en dash)
    {{ depot|zone_label }}                  Europe/Berlin

Django's own `date`/`time` filters show the active zone (the server's) unless a page wraps them
in `{% timezone %}`; these take the place explicitly, so a forgotten wrapper cannot shift a time.
"""

from __future__ import annotations

from django import template

from core import timefmt

register = template.Library()


@register.filter
def hm(moment, place=None) -> str:
    return timefmt.hm(moment, place)


@register.filter
def day_hm(moment, place=None) -> str:
    return timefmt.day_hm(moment, place)


@register.filter
def stamp(moment, place=None) -> str:
    return timefmt.stamp(moment, place)


@register.simple_tag
def span(start, end, place=None) -> str:
    return timefmt.span(start, end, place)


@register.filter
def zone_label(place) -> str:
    return timefmt.zone_label(place)
