"""The drivers' hourly speed priors for a whole batch of routes at once.

`learning.hour_prior` works a driver's 24 priors out when the cache has none (two grouped
queries over the last PRIOR_DAYS days of legs) and caches them ten minutes: fine for one
route, but a tick of first ETAs (a morning's first pings, or every driver's priors expiring
together ten minutes after such a tick) paid those two queries and a cache write per route.
`priors_warm` does the same for every driver of the batch missing from the cache in three
grouped queries and one cache write, so a tick costs the same whatever the number of drivers
it meets for the first time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.cache import cache
from django.db.models import Count, Sum

from tracking.eta import speed_priors
from tracking.models import LegSample
from tracking.services.eta.learning import PRIOR_DAYS, RATIO_KEY

# As long as learning.hour_prior keeps them.
PRIORS_CACHE_S = 600
HOURS = range(24)

Sums = tuple[int, int, int]


def _sums(queryset, *keys) -> list[dict]:
    return list(
        queryset.values(*keys, "hour").annotate(
            a=Sum("actual_s"), p=Sum("predicted_s"), n=Count("id")
        )
    )


def _minus(total: dict[int, Sums], own: dict[int, Sums]) -> dict[int, Sums]:
    """Sums by hour of `total` without the legs in `own` (hours left without legs dropped)."""
    out = {}
    for hour, (a, p, n) in total.items():
        oa, op, on = own.get(hour, (0, 0, 0))
        if n - on > 0:
            out[hour] = (a - oa, p - op, n - on)
    return out


def priors_warm(*, routes, now: dt.datetime, known: dict) -> int:
    """Put the hourly priors of every route's driver that `known` (read from the cache) lacks
    into `known` and the cache: the values `learning.hour_prior` would work out for that route
    (speed_priors over the last PRIOR_DAYS days' legs of other routes, of all drivers and of
    the route's driver), for all of them together. A driver on several routes of the batch gets
    the priors seen from the first. Returns how many drivers were filled in."""
    missing = {}
    for route in routes:
        driver = route.driver_id or 0
        if driver not in missing and any(RATIO_KEY.format(driver, h) not in known for h in HOURS):
            missing[driver] = route
    if not missing:
        return 0
    recent = LegSample.objects.filter(at__gte=now - dt.timedelta(days=PRIOR_DAYS))
    everyone = {r["hour"]: (r["a"] or 0, r["p"] or 0, r["n"]) for r in _sums(recent)}
    by_driver: dict[int, dict[int, Sums]] = defaultdict(dict)
    drivers = [d for d in missing if d]
    for r in _sums(recent.filter(driver_id__in=drivers), "driver_id") if drivers else []:
        by_driver[r["driver_id"]][r["hour"]] = (r["a"] or 0, r["p"] or 0, r["n"])
    # The routes' own legs, which hour_prior leaves out (today's pace is measured against it).
    own_all: dict[int, dict[int, list[int]]] = defaultdict(dict)
    own_driver: dict[int, dict[int, Sums]] = defaultdict(dict)
    route_drivers = {route.pk: driver for driver, route in missing.items()}
    for r in _sums(recent.filter(route_id__in=list(route_drivers)), "route_id", "driver_id"):
        row = (r["a"] or 0, r["p"] or 0, r["n"])
        acc = own_all[r["route_id"]].setdefault(r["hour"], [0, 0, 0])
        for k in range(3):
            acc[k] += row[k]
        if r["driver_id"] and r["driver_id"] == route_drivers[r["route_id"]]:
            own_driver[r["route_id"]][r["hour"]] = row
    fresh = {}
    for driver, route in missing.items():
        own = {h: tuple(v) for h, v in own_all[route.pk].items()}
        mine = _minus(by_driver[driver], own_driver[route.pk]) if driver else {}
        priors = speed_priors(_minus(everyone, own), mine)
        fresh.update({RATIO_KEY.format(driver, h): priors[h] for h in HOURS})
    cache.set_many(fresh, PRIORS_CACHE_S)
    known.update(fresh)
    return len(missing)
