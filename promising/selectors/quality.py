"""What an option costs and how likely it is to be kept.

Cost (`slot_cost`): with PROMISING_LIVE_COST, on a day whose routes are already live
(published, not completed), the cheapest feasible insertion into them within the slot, from
routing (`routing.services.insertion.marginal_cost`, the optimiser's own objective; off by
default: it builds the day's whole problem per slot, seconds for a 120-stop plan). Otherwise
(and always for days not yet planned) an estimate with the optimiser's own rates
(`routing.solver.costs` charges distance x cost per km and route duration x cost per hour; the
depot's cheapest active vehicle's rates) applied to an estimate of the stop's marginal route:
Beardwood-Halton-Hammersley's 0.7124 x sqrt(area / stops) is the length a stop adds to a tour
through `stops` points spread over `area` (the depot's service disc); it never exceeds the
out-and-back drive from the depot, which is what a day's first stop costs. Road distance and
time come from the planner's travel-time provider (haversine x detour / hourly speed, or OSRM),
plus the stop's service time.

Confidence (0-1) is the product of three probabilities:
- the window: the planner puts the stop somewhere in the window; the driver arrives off plan by
  the day-ahead ETA error that tracking measures (`eta_windows_current`: the interval that
  held TRACKING_ETA_COVERAGE of past arrivals at the longest horizon, read as a normal
  distribution); averaged over planned positions across the window;
- the day: the chance the day's stops stay within the shifts' capacity, from the volume
  forecast (its 80 % upper bound gives the spread), never below what is already committed;
- the stock: 1 when on hand; when it waits for a purchase, the supplier's on-time rate, with
  the doubt halved for every spare day between the stock's arrival and the delivery.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from statistics import NormalDist

from django.core.cache import cache
from django.db.models import Min

from promising.selectors.capacity import DayCapacity
from promising.selectors.inputs import DepotRules, Destination
from promising.selectors.quotes import memo_get, memo_set
from promising.selectors.stock import ItemReadiness
from routing.models import Vehicle
from routing.services import travel_provider
from routing.services.insertion import live_routes, marginal_cost
from tracking.eta import HORIZON_EDGES_S
from tracking.services.eta import eta_windows_current

BHH = 0.7124
SERVICE_S = 300
NORMAL = NormalDist()
Z80 = NORMAL.inv_cdf(0.9)


# Fleet rates and whether a day's routes are live change rarely against how often checkouts
# ask: a short cache keeps them out of the request's queries.
RATES_CACHE_S = 300
LIVE_CACHE_S = 60
ETA_MEMO_S = 60.0


def depot_rates(warehouse) -> tuple[Decimal, Decimal, str]:
    """(cost per km, cost per hour, currency) of the depot's cheapest active vehicles."""
    key = f"promising:rates:{warehouse.pk}"
    known = memo_get(key)
    if known is not None:
        return known
    known = cache.get(key)
    if known is None:
        row = Vehicle.objects.filter(depot=warehouse, is_active=True).aggregate(
            km=Min("cost_per_km"), hour=Min("cost_per_hour"), currency=Min("currency")
        )
        known = (row["km"] or Decimal(0), row["hour"] or Decimal(0), row["currency"] or "EUR")
        cache.set(key, known, RATES_CACHE_S)
    memo_set(key, known, RATES_CACHE_S)
    return known


def leg(rules: DepotRules, destination: Destination, depart_s: int) -> tuple[float, float]:
    """(metres, seconds) from the depot to the destination by the planner's travel model."""
    depot = (float(rules.warehouse.latitude), float(rules.warehouse.longitude))
    matrices = travel_provider().matrices([depot, destination.point], depart_s)
    return float(matrices.distance_m[0][1]), float(matrices.duration_s[0][1])


def live_days(rules: DepotRules, days: list[dt.date]) -> set[dt.date]:
    """The days whose routes at the depot are live (routing's `live_routes`), cached briefly."""
    keys = {f"promising:live:{rules.warehouse.pk}:{day.isoformat()}": day for day in days}
    known = cache.get_many(list(keys))
    missing = {}
    for key, day in keys.items():
        if key not in known:
            known[key] = missing[key] = live_routes(day=day, warehouse=rules.warehouse).exists()
    if missing:
        cache.set_many(missing, LIVE_CACHE_S)
    return {keys[key] for key, is_live in known.items() if is_live}


def slot_cost(
    *,
    rules: DepotRules,
    day: DayCapacity,
    leg_m: float,
    leg_s: float,
    rates: tuple[Decimal, Decimal, str],
    destination: Destination | None = None,
    window: tuple[dt.datetime, dt.datetime] | None = None,
    live: bool = False,
) -> Decimal:
    """The marginal cost of one more stop that day (see the module docstring)."""
    if live and destination is not None:
        quote = marginal_cost(destination.point, day.date, warehouse=rules.warehouse, window=window)
        if quote is not None:
            return quote.cost.quantize(Decimal("0.01"))
    return estimated_cost(rules=rules, day=day, leg_m=leg_m, leg_s=leg_s, rates=rates)


def estimated_cost(
    *,
    rules: DepotRules,
    day: DayCapacity,
    leg_m: float,
    leg_s: float,
    rates: tuple[Decimal, Decimal, str],
) -> Decimal:
    """Beardwood-Halton-Hammersley's marginal tour length at the optimiser's rates."""
    per_km, per_hour, _ = rates
    stops = max(day.committed + 1, day.expected_stops, 1.0)
    area_m2 = math.pi * rules.service_radius_m**2
    straight = max(rules.distance_m, 1.0)
    detour = leg_m / straight if leg_m else 1.0
    marginal_m = min(2 * leg_m, BHH * math.sqrt(area_m2 / stops) * detour)
    speed = leg_m / leg_s if leg_s else 10.0
    seconds = marginal_m / speed + SERVICE_S
    cost = Decimal(marginal_m / 1000) * per_km + Decimal(seconds / 3600) * per_hour
    return cost.quantize(Decimal("0.01"))


def window_probability(width_s: float, *, now: dt.datetime) -> float:
    """Chance the arrival falls in a window of `width_s` (see the module docstring). The ETA
    error it reads is re-measured by tracking every few minutes at most; each worker keeps the
    answer for ETA_MEMO_S."""
    key = f"promising:window-p:{int(width_s)}:{now.date().isoformat()}"
    known = memo_get(key)
    if known is None:
        known = _window_probability(width_s, now=now)
        memo_set(key, known, ETA_MEMO_S)
    return known


def _window_probability(width_s: float, *, now: dt.datetime) -> float:
    windows = eta_windows_current(now=now)
    horizon = windows.points[-1].horizon_s if windows.points else HORIZON_EDGES_S[-1]
    low, high = windows.offsets(horizon)
    coverage = _coverage()
    sigma = max((high - low) / (2 * NORMAL.inv_cdf((1 + coverage) / 2)), 1.0)
    steps = 20
    total = 0.0
    for i in range(steps):
        planned = width_s * (i + 0.5) / steps  # where in the window the plan puts the stop
        total += NORMAL.cdf((width_s - planned) / sigma) - NORMAL.cdf(-planned / sigma)
    return total / steps


def _coverage() -> float:
    from tracking.services.eta.windows import coverage_setting

    return coverage_setting()


def day_probability(day: DayCapacity) -> float:
    """Chance the day's stops stay within capacity (see the module docstring)."""
    demand = max(day.expected_stops, day.committed + 1)
    spread = max((day.expected_stops_hi80 - day.expected_stops) / Z80, 1.0)
    return NORMAL.cdf((day.capacity_stops - demand) / spread)


def stock_probability(readiness: list[ItemReadiness], date: dt.date) -> float:
    p = 1.0
    for r in readiness:
        if r.arrival is None or r.ready_date is None:
            continue
        spare = max((date - r.ready_date).days, 0)
        p *= 1 - (1 - r.on_time_probability) * 0.5**spare
    return p
