"""What one ETA recompute writes: the stops' ETA columns (which routing reserves for tracking),
the late-risk and next-stop flags (StopEta), an ETA history row when the ETA moved materially,
the routes' engine state (RouteEta), and a capped log of freshness figures. Rows that did not
change are not written.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.core.cache import cache
from django.db import connection

from orders.models import OrderStatus
from routing.models import RouteStatus, Stop, StopStatus
from tracking import conf
from tracking.eta import EtaResult
from tracking.models import EtaRecord, RouteEta, StopEta
from tracking.services.cache_client import redis_client
from tracking.services.notifications import eta_change_is_material

logger = logging.getLogger(__name__)

LOG_KEY = "tracking:eta:log"
LOG_SIZE = 200_000
# A stop's stored ETA is rewritten only when it moved at least this much (fewer writes).
WRITE_THRESHOLD_S = 15


def _moved(old: dt.datetime | None, new: dt.datetime, threshold_s: float) -> bool:
    return old is None or abs((new - old).total_seconds()) >= threshold_s


class Writes:
    """What one recompute batch writes: the changed stop ETAs, the flag rows, the history rows,
    and which stops' pages, next-flags or promised windows changed (for invalidation and
    notifications). Rows that did not change are not written."""

    def __init__(self, states: dict, last_records: dict):
        self.states, self.last_records = states, last_records
        self.stop_updates: list[Stop] = []
        self.state_rows: list[StopEta] = []
        self.records: list[EtaRecord] = []
        self.page: list[Stop] = []
        self.next: list[Stop] = []
        self.moved: list[tuple[Stop, EtaResult]] = []
        self.min_change = conf.get("TRACKING_ETA_HISTORY_MIN_CHANGE_S")
        self.max_age = dt.timedelta(seconds=conf.get("TRACKING_ETA_HISTORY_MAX_AGE_S"))
        self.shift_s = conf.get("TRACKING_ETA_NOTIFY_SHIFT_MIN") * 60

    @classmethod
    def load(cls, *, by_route: dict, remaining: dict) -> Writes:
        every = [s.pk for stops in by_route.values() for s in stops]
        ahead = [s.pk for stops in remaining.values() for s in stops]
        states = {se.stop_id: se for se in StopEta.objects.filter(stop_id__in=every)}
        last_records = (
            {
                r.stop_id: r
                for r in EtaRecord.objects.filter(stop_id__in=ahead)
                .order_by("stop_id", "-computed_at")
                .distinct("stop_id")
                .only("stop_id", "eta", "shift_s", "computed_at")
            }
            if ahead
            else {}
        )
        return cls(states, last_records)

    def plan(self, *, route, stops, remaining, results, now, started: bool) -> None:
        by_id = {s.pk: s for s in remaining}
        started = (
            started
            or route.status != RouteStatus.PLANNED
            or any(s.status != StopStatus.PLANNED for s in stops)
        )
        next_id = (
            remaining[0].pk
            if remaining and not any(s.status == StopStatus.ARRIVED for s in stops)
            else None
        )
        for result in results:
            stop = by_id[result.key]
            se = self.states.get(stop.pk) or StopEta(stop=stop)
            page_changed = False
            if (
                _moved(stop.eta, result.eta, WRITE_THRESHOLD_S)
                or _moved(stop.eta_low, result.low, WRITE_THRESHOLD_S)
                or _moved(stop.eta_high, result.high, WRITE_THRESHOLD_S)
            ):
                stop.eta, stop.eta_low, stop.eta_high = result.eta, result.low, result.high
                self.stop_updates.append(stop)
                page_changed = True
            last = self.last_records.get(stop.pk)
            if (
                last is None
                or _moved(last.eta, result.eta, self.min_change)
                # The model it is learned against moved (today's drift): errors stay its own.
                or abs(last.shift_s - result.shift_s) >= self.min_change
                or now - last.computed_at >= self.max_age
            ):
                self.records.append(
                    EtaRecord(
                        stop=stop,
                        computed_at=now,
                        eta=result.eta,
                        eta_low=result.low,
                        eta_high=result.high,
                        horizon_s=result.horizon_s,
                        shift_s=result.shift_s,
                    )
                )
            out_for_delivery = stop.order.status == OrderStatus.OUT_FOR_DELIVERY
            is_next = stop.pk == next_id and started and out_for_delivery
            became_next = is_next and not se.is_next
            moved = (
                out_for_delivery
                and se.notified_low is not None
                and eta_change_is_material(
                    notified_low=se.notified_low,
                    notified_high=se.notified_high,
                    low=result.low,
                    high=result.high,
                    became_late=result.is_late_risk and not se.is_late_risk,
                    shift_s=self.shift_s,
                )
            )
            if (
                se.pk is None
                or se.is_late_risk != result.is_late_risk
                or se.is_next != is_next
                or moved
            ):
                page_changed = page_changed or se.is_late_risk != result.is_late_risk or became_next
                se.is_late_risk, se.is_next = result.is_late_risk, is_next
                if moved:
                    se.notified_low, se.notified_high = result.low, result.high
                    self.moved.append((stop, result))
                self.state_rows.append(se)
            if became_next:
                self.next.append(stop)
            if page_changed:
                self.page.append(stop)
        # Stops no longer ahead are neither next nor at risk.
        for stop in stops:
            se = self.states.get(stop.pk)
            if stop.pk not in by_id and se is not None and (se.is_next or se.is_late_risk):
                se.is_next = se.is_late_risk = False
                self.state_rows.append(se)

    def execute(self) -> None:
        if self.stop_updates:
            _stops_eta_write(self.stop_updates)
        if self.state_rows:
            StopEta.objects.bulk_create(
                self.state_rows,
                update_conflicts=True,
                unique_fields=["stop"],
                update_fields=[
                    "is_late_risk",
                    "is_next",
                    "notified_low",
                    "notified_high",
                    "updated_at",
                ],
            )
        if self.records:
            EtaRecord.objects.bulk_create(self.records)


def states_write(states: list[RouteEta]) -> None:
    """One UPDATE ... FROM (VALUES ...) for the routes' engine states; `computations` counts up
    in the database and is read back."""
    table = RouteEta._meta.db_table
    rows = ", ".join(["(%s, %s::timestamptz, %s::timestamptz, %s::float8, %s)"] * len(states))
    params = [
        v for s in states for v in (s.pk, s.computed_at, s.ping_time, s.speed_ratio, s.signature)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS r SET computed_at = v.computed_at, ping_time = v.ping_time, "  # noqa: S608
            "speed_ratio = v.ratio, signature = v.signature, computations = r.computations + 1 "
            f"FROM (VALUES {rows}) AS v(id, computed_at, ping_time, ratio, signature) "
            "WHERE r.id = v.id RETURNING r.id, r.computations",
            params,
        )
        counts = dict(cursor.fetchall())
    for state in states:
        state.computations = counts[state.pk]


def _stops_eta_write(stops: list[Stop]) -> None:
    """One UPDATE ... FROM (VALUES ...) for the ETA columns (bulk_update's CASE is slow to build
    and to plan at this rate)."""
    table = Stop._meta.db_table
    rows = ", ".join(["(%s, %s::timestamptz, %s::timestamptz, %s::timestamptz)"] * len(stops))
    params = [v for s in stops for v in (s.pk, s.eta, s.eta_low, s.eta_high)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS s SET eta = v.eta, eta_low = v.low, eta_high = v.high "  # noqa: S608
            f"FROM (VALUES {rows}) AS v(id, eta, low, high) WHERE s.id = v.id",
            params,
        )


def log_append(entries: list[tuple[int, dt.datetime | None]], computed_at: dt.datetime) -> None:
    """Append (route, newest ping used, finished at, computed at) per recomputed route to a
    capped Redis list: the freshness figures the benchmark (and an operator) read. Never fails
    the recompute."""
    try:
        client = redis_client()
        key = cache.make_key(LOG_KEY)
        wall, computed = time.time(), computed_at.timestamp()
        lines = [
            f"{route_id} {ping_time.timestamp() if ping_time else 0:.3f} {wall:.3f} {computed:.3f}"
            for route_id, ping_time in entries
        ]
        pipe = client.pipeline(transaction=False)
        pipe.rpush(key, *lines)
        pipe.ltrim(key, -LOG_SIZE, -1)
        pipe.execute()
    except Exception:  # (monitoring only)
        logger.debug("could not append to the ETA log", exc_info=True)
