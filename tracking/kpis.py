"""Delivery KPIs for a date range (plan dates, i.e. local delivery days) and optionally one
warehouse. Definitions (also shown on the KPI page):

- on-time rate: delivered stops whose arrival fell inside the stop's time window / delivered;
- first-attempt success: orders in range whose first delivery attempt ever was a delivery /
  orders in range with an attempt;
- ETA mean absolute error: over every ETA given for stops in range (minutes);
- ETA window hit rate at 60 min: for reached stops, the last ETA given at least 60 minutes
  before the arrival; the share whose window contained the arrival;
- average rating: ratings of orders delivered in range;
- stops per route-hour: completed (delivered or failed) stops / hours from each route's start
  (actual when known) to its last completed stop;
- distance per stop: planned route distance / completed stops (actual odometer is not tracked);
- failed-delivery reasons: failed and skipped stops by reason.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg

from orders.models import DeliveryAttempt, FailureReason
from routing.models import PlanStatus, Stop, StopStatus
from tracking.models import EtaRecord, Rating, RouteEta, StopEvent

HORIZON_60 = dt.timedelta(minutes=60)


@dataclass
class Kpis:
    date_from: dt.date
    date_to: dt.date
    stops: int = 0
    delivered: int = 0
    failed: int = 0
    on_time_rate: float | None = None
    first_attempt_success: float | None = None
    eta_mae_min: float | None = None
    eta_window_hit_60: float | None = None
    eta_window_samples_60: int = 0
    average_rating: float | None = None
    ratings: int = 0
    stops_per_route_hour: float | None = None
    distance_per_stop_km: float | None = None
    failed_reasons: dict[str, int] = field(default_factory=dict)
    daily: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        data["date_from"], data["date_to"] = self.date_from.isoformat(), self.date_to.isoformat()
        return data


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def kpis_compute(*, date_from: dt.date, date_to: dt.date, warehouse=None) -> Kpis:
    stops = Stop.objects.filter(
        plan__date__range=(date_from, date_to), plan__status=PlanStatus.PUBLISHED
    ).select_related("order", "route", "plan")
    if warehouse is not None:
        stops = stops.filter(route__vehicle__depot=warehouse)
    stops = list(stops)
    out = Kpis(date_from=date_from, date_to=date_to, stops=len(stops))
    delivered = [s for s in stops if s.status == StopStatus.DELIVERED]
    completed = [s for s in stops if s.status in (StopStatus.DELIVERED, StopStatus.FAILED)]
    out.delivered, out.failed = len(delivered), len(completed) - len(delivered)

    def on_time(stop: Stop) -> bool:
        start = stop.window_start or stop.order.window_start
        end = stop.window_end or stop.order.window_end
        return stop.arrived_at is not None and start <= stop.arrived_at <= end

    out.on_time_rate = _share(sum(on_time(s) for s in delivered), len(delivered))

    order_ids = {s.order_id for s in completed}
    first: dict[int, str] = {}
    for order_id, outcome in (
        DeliveryAttempt.objects.filter(order_id__in=order_ids)
        .order_by("attempted_at", "id")
        .values_list("order_id", "outcome")
    ):
        first.setdefault(order_id, outcome)
    out.first_attempt_success = _share(
        sum(o == DeliveryAttempt.Outcome.DELIVERED for o in first.values()), len(first)
    )

    stop_ids = [s.pk for s in stops]
    errors = list(
        EtaRecord.objects.filter(stop_id__in=stop_ids, error_s__isnull=False).values_list(
            "error_s", flat=True
        )
    )
    if errors:
        out.eta_mae_min = round(sum(abs(e) for e in errors) / len(errors) / 60, 2)

    reached = {s.pk: s.arrived_at for s in stops if s.arrived_at is not None}
    given: dict[int, EtaRecord] = {}
    for record in EtaRecord.objects.filter(stop_id__in=list(reached)).order_by("computed_at"):
        if record.computed_at <= reached[record.stop_id] - HORIZON_60:
            given[record.stop_id] = record  # the last one given at least 60 min ahead
    hits = sum(r.eta_low <= reached[pk] <= r.eta_high for pk, r in given.items())
    out.eta_window_samples_60 = len(given)
    out.eta_window_hit_60 = _share(hits, len(given))

    rating = Rating.objects.filter(order_id__in=[s.order_id for s in delivered]).aggregate(
        avg=Avg("score")
    )
    out.ratings = Rating.objects.filter(order_id__in=[s.order_id for s in delivered]).count()
    out.average_rating = round(rating["avg"], 2) if rating["avg"] is not None else None

    by_route: dict[int, list[Stop]] = defaultdict(list)
    for stop in completed:
        by_route[stop.route_id].append(stop)
    started = dict(
        RouteEta.objects.filter(route_id__in=list(by_route)).values_list("route_id", "started_at")
    )
    hours = 0.0
    distance_m = 0
    for route_id, route_stops in by_route.items():
        route = route_stops[0].route
        begin = started.get(route_id) or route.start_at
        end = max(s.departed_at or s.arrived_at for s in route_stops)
        hours += max(0.0, (end - begin).total_seconds() / 3600)
        distance_m += route.distance_m
    if hours > 0:
        out.stops_per_route_hour = round(len(completed) / hours, 2)
    if completed:
        out.distance_per_stop_km = round(distance_m / len(completed) / 1000, 2)

    reasons = Counter(
        StopEvent.objects.filter(
            stop_id__in=stop_ids, type__in=[StopEvent.Type.FAILED, StopEvent.Type.SKIPPED]
        ).values_list("reason", flat=True)
    )
    labels = dict(FailureReason.choices)
    out.failed_reasons = {labels.get(k, k or "Unknown"): v for k, v in reasons.most_common()}

    days: dict[dt.date, list[Stop]] = defaultdict(list)
    for stop in delivered:
        days[stop.plan.date].append(stop)
    out.daily = [
        {
            "date": day.isoformat(),
            "delivered": len(day_stops),
            "on_time_rate": _share(sum(on_time(s) for s in day_stops), len(day_stops)),
        }
        for day, day_stops in sorted(days.items())
    ]
    return out
