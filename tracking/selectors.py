"""Tracking reads: the customer page, the driver's day, the dispatcher's live board, the
vehicle position a customer may see, and the routes the ETA sweep must recompute."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Prefetch

from core import timefmt
from core.geo import grid_area, point_of
from orders.models import CustomerOrder, OrderEvent, OrderStatus
from orders.services import return_policy_violations
from routing import selectors as routing_selectors
from routing import services as routing_services
from routing.models import PlanStatus, Route, RouteStatus, Stop, StopStatus
from tracking import clock, conf
from tracking.display import window_bounds, window_text
from tracking.eta import EtaResult
from tracking.handover import handover_display
from tracking.models import (
    DeliveryInstruction,
    PositionPing,
    ProofOfDelivery,
    Rating,
    RouteEta,
    StopEta,
)
from tracking.services.customer import instructions_editable
from tracking.services.eta import eta_windows_current, route_signature
from tracking.services.eta.inputs import hours_ahead, latest_pings, vehicle_origin
from tracking.services.eta.learning import RATIO_KEY, route_legs
from tracking.services.eta.refresh import route_etas_compute

# Timeline entries a customer sees (internal ones — pick waves, location fixes — are left out).
PUBLIC_EVENTS = {
    OrderEvent.Type.CREATED,
    OrderEvent.Type.CONFIRMED,
    OrderEvent.Type.PACKED,
    OrderEvent.Type.PLANNED,
    OrderEvent.Type.OUT_FOR_DELIVERY,
    OrderEvent.Type.ARRIVING,
    OrderEvent.Type.DELIVERED,
    OrderEvent.Type.FAILED,
    OrderEvent.Type.RESCHEDULED,
    OrderEvent.Type.CANCELLED,
    OrderEvent.Type.RETURN_REQUESTED,
    OrderEvent.Type.RETURN_APPROVED,
    OrderEvent.Type.RETURN_REJECTED,
    OrderEvent.Type.RETURN_RECEIVED,
    OrderEvent.Type.RETURN_REFUNDED,
}
CUSTOMER_STATUS = {
    OrderStatus.NEW: "Order received",
    OrderStatus.CONFIRMED: "Confirmed",
    OrderStatus.PICKED: "Being prepared",
    OrderStatus.PACKED: "Packed",
    OrderStatus.PLANNED: "Scheduled for delivery",
    OrderStatus.OUT_FOR_DELIVERY: "Out for delivery",
    OrderStatus.DELIVERED: "Delivered",
    OrderStatus.FAILED: "Delivery attempt failed",
    OrderStatus.CANCELLED: "Cancelled",
}


def order_for_token(*, token: str, now: dt.datetime | None = None) -> CustomerOrder | None:
    """The order behind a tracking token, or None when the token is unknown or expired
    (TRACKING_TOKEN_EXPIRY_DAYS after delivery or cancellation) — callers answer 404 either way."""
    if not token or len(token) > 64:
        return None
    order = (
        CustomerOrder.objects.select_related("warehouse", "customer")
        .filter(tracking_token=token)
        .first()
    )
    if order is None:
        return None
    now = now or clock.now()
    expiry = dt.timedelta(days=conf.get("TRACKING_TOKEN_EXPIRY_DAYS"))
    ended_at = None
    if order.status == OrderStatus.DELIVERED:
        ended_at = order.delivered_at or order.updated_at
    elif order.status == OrderStatus.CANCELLED:
        ended_at = order.updated_at
    if ended_at is not None and now - ended_at > expiry:
        return None
    return order


def _current_stop(order: CustomerOrder) -> Stop | None:
    return (
        Stop.objects.filter(order=order, plan__status=PlanStatus.PUBLISHED)
        .select_related("route__vehicle__depot")
        .order_by("-plan__date", "-id")
        .first()
    )


@dataclass
class TrackingPage:
    order: CustomerOrder
    status_label: str
    tz_name: str
    eta_text: str = ""
    eta_low: str = ""
    eta_high: str = ""
    window_text: str = ""
    is_late_risk: bool = False
    timeline: list[dict] = field(default_factory=list)
    instructions: str = ""
    instructions_editable: bool = False
    show_vehicle: bool = False
    destination: tuple[float, float] | None = None  # the centre of a ~1 km grid square
    destination_radius_m: int = 0
    pod: ProofOfDelivery | None = None
    pod_time: str = ""
    rating: object = None
    can_rate: bool = False
    can_return: bool = False
    pickups: list[dict] = field(default_factory=list)  # returns we collect (routing)


def tracking_page(*, order: CustomerOrder, now: dt.datetime | None = None) -> TrackingPage:
    """Everything the customer page shows — only this order's data, nothing about the driver
    or other stops beyond "the van is heading to you" (and then its position, see
    `vehicle_position`)."""
    now = now or clock.now()
    tz = order.warehouse.tzinfo
    page = TrackingPage(
        order=order,
        status_label=CUSTOMER_STATUS.get(order.status, order.get_status_display()),
        tz_name=str(tz),
        window_text=window_text(order.window_start, order.window_end, tz),
    )
    stop = _current_stop(order)
    state = StopEta.objects.filter(stop=stop).first() if stop else None
    if (
        stop is not None
        and stop.status == StopStatus.PLANNED
        and order.status in (OrderStatus.PLANNED, OrderStatus.OUT_FOR_DELIVERY)
        and stop.eta_low
        and stop.eta_high
    ):
        low, high = window_bounds(stop.eta_low, stop.eta_high, tz)
        page.eta_low, page.eta_high = timefmt.hm(low, tz), timefmt.hm(high, tz)
        page.eta_text = window_text(stop.eta_low, stop.eta_high, tz)
        page.is_late_risk = bool(state and state.is_late_risk)
    if stop is not None and stop.status == StopStatus.ARRIVED:
        page.status_label = "The driver is at your door"
    page.show_vehicle = bool(
        state and state.is_next and order.status == OrderStatus.OUT_FOR_DELIVERY
    )
    if order.latitude is not None:
        # Anyone holding the link sees the page: show the area, never the exact address point.
        lat, lon, page.destination_radius_m = grid_area(
            float(order.latitude), float(order.longitude)
        )
        page.destination = (lat, lon)
    page.timeline = _timeline(order.events.filter(type__in=PUBLIC_EVENTS).order_by("at", "id"))
    note = DeliveryInstruction.objects.filter(order=order).first()
    page.instructions = note.text if note else ""
    page.instructions_editable = instructions_editable(order)
    page.pickups = routing_selectors.order_pickups(order=order)
    if order.status == OrderStatus.DELIVERED:
        page.pod = ProofOfDelivery.objects.filter(order=order).order_by("-delivered_at").first()
        if page.pod:
            at = page.pod.delivered_at
            page.pod_time = f"{timefmt.hm(at, tz)} on {timefmt.fmt(at, tz, timefmt.DAY)}"
        page.rating = Rating.objects.filter(order=order).first()
        page.can_rate = True
        page.can_return = order_is_returnable(order=order, now=now)
    return page


def _eta_of(event) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat((event.data or {}).get("eta") or "")
    except (TypeError, ValueError):
        return None


def _timeline(events) -> list[dict]:
    """The customer's timeline: one entry per step. A step repeated back to back (the van
    "arriving" each time the engine saw it head over again, "planned" after a re-plan) shows
    once, at its first time; an "arriving" repeat stays only when its ETA moved by more than
    the shift that earns the customer an e-mail."""
    shift = dt.timedelta(minutes=conf.get("TRACKING_ETA_NOTIFY_SHIFT_MIN"))
    out: list[dict] = []
    last = None
    for e in events:
        if last is not None and e.type == last.type and e.type != OrderEvent.Type.FAILED:
            before, eta = _eta_of(last), _eta_of(e)
            moved = bool(before and eta and abs(eta - before) > shift)
            if not (e.type == OrderEvent.Type.ARRIVING and moved):
                continue
        last = e
        data = e.data or {}
        reason = data.get("reason", "") if e.type == OrderEvent.Type.FAILED else ""
        label = e.get_type_display()
        if e.type == OrderEvent.Type.PLANNED and data.get("carrier"):
            label = f"Handed to {data['carrier']}"
        out.append({"label": label, "at": e.at, "reason": reason})
    return out


def order_is_returnable(*, order: CustomerOrder, now: dt.datetime | None = None) -> bool:
    """Delivered and at least one delivered line passes the return policy now."""
    if order.status != OrderStatus.DELIVERED:
        return False
    lines = [
        (line, 1, "")
        for line in order.lines.select_related("product")
        if line.quantity_delivered > 0
    ]
    if not lines:
        return False
    violations = return_policy_violations(order=order, lines=lines, now=now)
    return len({v["field"] for v in violations}) < len(lines)


def vehicle_position(*, order: CustomerOrder) -> dict | None:
    """The van's last position — only while this order's stop is the next one."""
    if order.status != OrderStatus.OUT_FOR_DELIVERY:
        return None
    stop = _current_stop(order)
    if stop is None or not StopEta.objects.filter(stop=stop, is_next=True).exists():
        return None
    ping = (
        PositionPing.objects.filter(vehicle_id=stop.route.vehicle_id)
        .order_by("-time")
        .only("latitude", "longitude", "time")
        .first()
    )
    if ping is None:
        return None
    return {"latitude": ping.latitude, "longitude": ping.longitude, "time": ping.time.isoformat()}


# --- driver -----------------------------------------------------------------------------------


@dataclass
class DeliveryRecord:
    """What tracking knows of an order's delivery, for staff: the instructions the customer
    added on the tracking page and the proofs of delivery (newest first)."""

    customer_instructions: str = ""
    instructions_at: dt.datetime | None = None
    proofs: list[ProofOfDelivery] = field(default_factory=list)


def order_delivery_record(*, order: CustomerOrder) -> DeliveryRecord | None:
    """The order's delivery record, or None when the customer added nothing and no proof of
    delivery exists (two queries)."""
    note = DeliveryInstruction.objects.filter(order=order).first()
    proofs = list(ProofOfDelivery.objects.filter(order=order).order_by("-delivered_at", "-id"))
    if note is None and not proofs:
        return None
    return DeliveryRecord(
        customer_instructions=note.text if note else "",
        instructions_at=note.updated_at if note else None,
        proofs=proofs,
    )


def driver_day(*, route: Route) -> list[dict]:
    """The route's stops in order with what the driver needs (address, window in local time,
    instructions including the customer's, status); a pickup carries its return (`ret`:
    reference and lines to collect) and the return's pickup address and window."""
    tz = route.vehicle.depot.tzinfo
    stops = (
        Stop.objects.filter(route=route)
        .select_related(
            "order__customer_instruction",
            "order__delivery_pin",
            "order__cod_collection",
            "eta_state",
            "ret",
        )
        .prefetch_related("ret__lines__order_line__product")
        .order_by("sequence")
    )
    out = []
    for stop in stops:
        order = stop.order
        customer_note = getattr(order, "customer_instruction", None)
        state = getattr(stop, "eta_state", None)
        out.append(
            {
                "stop": stop,
                "order": order,
                "window": f"{order.window_start.astimezone(tz):%H:%M}-"
                f"{order.window_end.astimezone(tz):%H:%M}",
                "eta": f"{stop.eta.astimezone(tz):%H:%M}" if stop.eta else "",
                "instructions": order.instructions,
                "customer_instructions": customer_note.text if customer_note else "",
                "is_late_risk": bool(state and state.is_late_risk),
                "geo": _geo_uri(order),
                "handover": None if stop.is_pickup else handover_display(order),
                # A return to collect: its reference, lines, own address and window.
                **(routing_selectors.pickup_for_driver(stop=stop, tz=tz) if stop.is_pickup else {}),
            }
        )
    return out


def _geo_uri(order) -> str:
    if order.latitude is None:
        return ""
    at = f"{order.latitude},{order.longitude}"
    return f"geo:{at}?q={at}"


# --- dispatcher -------------------------------------------------------------------------------


def live_routes(*, date: dt.date) -> list[Route]:
    """Published routes of `date` with stops, ETA states and engine state (for the live board)."""
    stops = Stop.objects.select_related("order", "eta_state").order_by("sequence")
    return list(
        Route.objects.filter(plan__date=date, plan__status=PlanStatus.PUBLISHED)
        .select_related("vehicle__depot", "driver__user", "plan", "eta")
        .prefetch_related(Prefetch("stops", queryset=stops))
        .order_by("plan__reference", "sequence")
    )


def routes_needing_eta(*, now: dt.datetime | None = None) -> list[int]:
    """Active routes (published, today ±1 day, not completed) whose stops changed since the
    engine last ran — a re-plan, a stop moved between routes — or that never had ETAs; and
    routes late to start: past their start time, not started, no ETA run for
    TRACKING_ETA_WAITING_EVERY_S. A van that has not left sends no pings, so without this its
    stops kept the ETAs of a start on time while the van stood at the depot (the engine
    computes from max(now, start): the ETAs move on with the clock)."""
    now = now or clock.now()
    day = now.date()
    routes = dict(
        Route.objects.filter(
            plan__status=PlanStatus.PUBLISHED,
            plan__date__range=(day - dt.timedelta(days=1), day + dt.timedelta(days=1)),
        )
        .exclude(status=RouteStatus.COMPLETED)
        .values_list("pk", "start_at")
    )
    if not routes:
        return []
    stops: dict[int, list[Stop]] = {pk: [] for pk in routes}
    for stop in Stop.objects.filter(route__in=routes).only("pk", "route_id", "sequence", "status"):
        stops[stop.route_id].append(stop)
    known = {
        pk: (signature, started_at, computed_at)
        for pk, signature, started_at, computed_at in RouteEta.objects.filter(
            route__in=routes
        ).values_list("route_id", "signature", "started_at", "computed_at")
    }
    stale = now - dt.timedelta(seconds=conf.get("TRACKING_ETA_WAITING_EVERY_S"))
    out = []
    for pk, route_stops in stops.items():
        route_stops.sort(key=lambda s: s.sequence)
        signature, started_at, computed_at = known.get(pk, (None, None, None))
        waiting = (
            started_at is None
            and routes[pk] < now
            and (computed_at is None or computed_at <= stale)
            and any(s.status == StopStatus.PLANNED for s in route_stops)
        )
        if waiting or signature != route_signature(route_stops):
            out.append(pk)
    return out


def route_sequence_etas(
    *, route: Route, stops: list[Stop], now: dt.datetime | None = None
) -> dict[int, EtaResult]:
    """The ETAs tracking's engine would give if `route`'s vehicle visited `stops` (a proposed
    sequence; stops already reached tell where the vehicle is) in this order, by stop id, for
    the planned stops that have coordinates. The rules of a recompute (`route_etas_compute`):
    from where the vehicle is (its arrived stop once served, else a fresh ping, else the last
    completed stop, else the depot at the route's start), after the breaks still due, with the
    optimiser's travel times, the route's learned speed ratio by hour, the pace of the leg being
    driven and the measured error windows. Writes nothing."""
    now = now or clock.now()
    remaining = [s for s in stops if s.status == StopStatus.PLANNED and point_of(s.order)]
    if not remaining:
        return {}
    at_stop = any(s.status == StopStatus.ARRIVED for s in stops)
    pings = {} if at_stop else latest_pings(vehicle_ids={route.vehicle_id}, now=now)
    origin, ready_at, ping_time = vehicle_origin(
        route=route, stops=stops, now=now, ping=pings.get(route.vehicle_id)
    )
    hours = hours_ahead(route=route, ready_at=ready_at)
    # On the road: the leg being driven goes on at its pace so far (from the route's start for
    # the first leg).
    started_at = (
        RouteEta.objects.filter(route=route).values_list("started_at", flat=True).first()
        if ping_time
        else None
    )
    results, _ratio = route_etas_compute(
        route=route,
        stops=stops,
        remaining=remaining,
        origin=origin,
        ready_at=ready_at,
        now=now,
        legs=route_legs([route.pk]).get(route.pk, (0, 0, 0)),
        priors=cache.get_many({RATIO_KEY.format(route.driver_id or 0, h) for h in hours}),
        provider=routing_services.travel_provider(),
        windows=eta_windows_current(now=now),
        ping_time=ping_time,
        started_at=started_at,
    )
    return {r.key: r for r in results}
