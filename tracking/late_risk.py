"""Late risk: the one rule for "this stop may be late", read by the dashboard, the dispatch
board and the Deliveries table so they always give the same number.

A stop is at late risk while it is not done (delivered, failed or skipped) and the ETA
engine's latest window for it ends after the customer's time window (`StopEta.is_late_risk`,
written with every recompute).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from core import timefmt
from inventory.models import Warehouse
from routing.models import PlanStatus, Stop, StopStatus
from tracking import clock

DONE = (StopStatus.DELIVERED, StopStatus.FAILED, StopStatus.SKIPPED)


def operations_day(*, now: dt.datetime | None = None) -> dt.date:
    """Today where the first active depot is, by tracking's clock (the simulated day when a
    simulator runs): the day the board, the Deliveries table and the dashboard open on."""
    now = now or clock.now()
    depot = Warehouse.objects.filter(is_active=True).order_by("code").first()
    return timefmt.local(now, depot).date() if depot else now.date()


def stop_is_late_risk(stop: Stop) -> bool:
    """The rule for one stop already loaded (with its `eta_state`, when it has one)."""
    state = getattr(stop, "eta_state", None)
    return bool(state and state.is_late_risk) and stop.status not in DONE


def late_risk_stops(*, date: dt.date) -> QuerySet[Stop]:
    """The stops at late risk on the published routes of `date`."""
    return Stop.objects.filter(
        plan__date=date,
        plan__status=PlanStatus.PUBLISHED,
        eta_state__is_late_risk=True,
    ).exclude(status__in=DONE)


def late_risk_count(*, date: dt.date | None = None) -> int:
    """How many stops are at late risk on `date` (the operations day when omitted)."""
    return late_risk_stops(date=date or operations_day()).count()
