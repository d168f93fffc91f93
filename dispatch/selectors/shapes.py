"""What the dispatch board shows, as plain objects: the dispatcher's filters, stops and routes
with their display strings, the exceptions to act on, and the board that holds them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from core import timefmt
from inventory.models import Warehouse
from orders.models import CustomerOrder
from routing.models import OptimizationJob, Plan, Route, RouteStatus, Stop, StopStatus

ROUTE_FILTERS = {
    "": "All routes",
    RouteStatus.PLANNED: "Not started",
    RouteStatus.IN_PROGRESS: "On the road",
    RouteStatus.COMPLETED: "Completed",
    "attention": "Needing attention",
}
ACTIVE = (StopStatus.PLANNED, StopStatus.ARRIVED)
UNASSIGNED_SHOWN = 30
STOP_FIELDS = (
    "route_id", "order_id", "plan_id", "sequence", "status", "planned_arrival", "planned_start",
    "planned_departure", "window_start", "window_end", "eta", "eta_low", "eta_high",
    "arrived_at", "departed_at", "ret_id",
)  # fmt: skip
ORDER_FIELDS = (
    "reference", "status", "address", "latitude", "longitude", "window_start", "window_end",
    "customer_id", "warehouse_id", "tracking_token", "requires_pin",
)  # fmt: skip
DASH = "\u2013"  # between the two times of a window


@dataclass(frozen=True)
class BoardFilters:
    """What the dispatcher asked to see: one day, optionally one depot (code), one driver (id),
    a route status (or "attention"), and a search over order reference, customer and address."""

    day: dt.date
    depot: str = ""
    driver: int | None = None
    status: str = ""
    q: str = ""

    def as_query(self) -> dict[str, str]:
        out = {"day": self.day.isoformat()}
        for name in ("depot", "status", "q"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.driver:
            out["driver"] = str(self.driver)
        return out


@dataclass
class StopView:
    """A stop as the board shows it; the display strings are computed only when used (most
    stop lists are closed)."""

    stop: Stop
    state: str  # planned | next | arrived | delivered | failed | skipped
    is_late_risk: bool
    matches: bool
    tz: object = None

    @property
    def eta(self) -> str:
        s = self.stop
        return (
            timefmt.hm(s.eta, self.tz) if s.status in ACTIVE else timefmt.hm(s.arrived_at, self.tz)
        )

    @property
    def eta_window(self) -> str:
        s = self.stop
        if not s.eta_low or s.status not in ACTIVE:
            return ""
        return f"{timefmt.hm(s.eta_low, self.tz)}{DASH}{timefmt.hm(s.eta_high, self.tz)}"

    @property
    def window(self) -> str:
        s = self.stop
        if s.ret_id and not s.window_start:  # a pickup the customer can do any time
            return "any time"
        return (
            f"{timefmt.hm(s.window_start or s.order.window_start, self.tz)}{DASH}"
            f"{timefmt.hm(s.window_end or s.order.window_end, self.tz)}"
        )

    @property
    def planned(self) -> str:
        return timefmt.hm(self.stop.planned_arrival, self.tz)


@dataclass
class RouteView:
    route: Route
    stops: list[StopView]
    done: int
    total: int
    distance_left_m: int
    projected_end: dt.datetime
    shift_end: dt.datetime
    position: dict | None
    is_started: bool
    is_stale: bool
    exceptions: int = 0
    tz: object = None

    @property
    def is_over_shift(self) -> bool:
        return self.route.status != RouteStatus.COMPLETED and self.projected_end > self.shift_end

    @property
    def projected_end_text(self) -> str:
        return timefmt.hm(self.projected_end, self.tz)

    @property
    def shift_end_text(self) -> str:
        return timefmt.hm(self.shift_end, self.tz)

    @property
    def load(self) -> dict[str, int]:
        pct = self.route.load_pct()
        return {**pct, "max": max(pct.values())}

    @property
    def distance_left_km(self) -> str:
        return f"{self.distance_left_m / 1000:.1f}"

    @property
    def progress_pct(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def remaining(self) -> list[StopView]:
        return [s for s in self.stops if s.stop.status in ACTIVE]


@dataclass
class BoardException:
    kind: str  # late_risk | failed | stale | unassigned | over_shift
    title: str
    detail: str
    severity: str = "warn"  # warn | bad
    stop: Stop | None = None
    route: Route | None = None
    order: CustomerOrder | None = None
    plan: Plan | None = None

    @property
    def key(self) -> str:
        target = self.stop.pk if self.stop else self.route.pk if self.route else self.order.pk
        return f"{self.kind}-{target}"


@dataclass
class Board:
    filters: BoardFilters
    now: dt.datetime
    routes: list[RouteView]
    exceptions: list[BoardException]
    unassigned_total: int
    plans: list[Plan]
    jobs: list[OptimizationJob]
    depots: list[Warehouse] = field(default_factory=list)
    version: str = ""

    @property
    def exception_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for e in self.exceptions:
            counts[e.kind] = counts.get(e.kind, 0) + 1
        return counts
