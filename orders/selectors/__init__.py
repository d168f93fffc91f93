"""Reads of customer orders and returns: scoped lists, the order board, pick lists, routing feeds.

Partner scoping lives here once: `orders_visible_to(user)` / `returns_visible_to(user)` give a
partner only its own rows, so another partner's reference answers 404.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    F,
    Func,
    Prefetch,
    Q,
    QuerySet,
    TimeField,
)
from django.db.models.functions import Cast
from django.utils import timezone

from core.exceptions import NotFound
from core.output import json_array_times
from inventory.models import Reservation, StockMove, Warehouse
from inventory.selectors import stock_available
from orders.models import (
    CustomerOrder,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PickWave,
    Return,
    ReturnLine,
    ReturnStatus,
)
from orders.selectors.rows import orders_for_api, returns_for_api

S = OrderStatus
# How long before the window opens an order must have reached each status, or it is at risk.
LATE_RISK_LEAD = {
    S.NEW: timedelta(hours=4),
    S.CONFIRMED: timedelta(hours=3),
    S.PICKED: timedelta(hours=2),
    S.PACKED: timedelta(hours=1),
}


def _partner_of(user):
    return getattr(user, "partner", None)


def orders_visible_to(user) -> QuerySet[CustomerOrder]:
    qs = CustomerOrder.objects.all()
    partner = _partner_of(user)
    if partner is not None:
        qs = qs.filter(partner=partner)
    return qs


def local_time(field: str):
    """A datetime field as a time of day in the order's warehouse time zone (SQL)."""
    local = Func(
        F("warehouse__timezone"), F(field), function="timezone", output_field=DateTimeField()
    )
    return Cast(local, TimeField())


def window_local_date():
    """The first window's start as a date in the order's warehouse time zone (SQL)."""
    local = Func(
        F("warehouse__timezone"),
        F("window_start"),
        function="timezone",
        output_field=DateTimeField(),
    )
    return Cast(local, DateField())


def order_list(*, user, filters: dict | None = None) -> QuerySet[CustomerOrder]:
    """Orders with what list pages and the API print, filtered (status, warehouse code,
    external_ref, date (window day in the warehouse zone), partner code, q)."""
    filters = filters or {}
    qs = orders_visible_to(user).select_related("warehouse", "customer", "partner")
    if filters.get("status"):
        qs = qs.filter(status__in=str(filters["status"]).split(","))
    if filters.get("warehouse"):
        qs = qs.filter(warehouse__code=filters["warehouse"])
    if filters.get("external_ref"):
        qs = qs.filter(external_ref=filters["external_ref"])
    if filters.get("partner") and _partner_of(user) is None:
        qs = qs.filter(partner__code=filters["partner"])
    if filters.get("date"):
        day = filters["date"]
        if isinstance(day, str):
            day = date.fromisoformat(day)
        qs = qs.annotate(window_day=window_local_date()).filter(window_day=day)
    if filters.get("window_from"):
        qs = qs.filter(window_end__gt=filters["window_from"])
    if filters.get("window_to"):
        qs = qs.filter(window_start__lt=filters["window_to"])
    if filters.get("needs_location"):
        qs = qs.filter(latitude__isnull=True)
    if filters.get("q"):
        q = filters["q"].strip()
        qs = qs.filter(
            Q(reference__icontains=q)
            | Q(external_ref__icontains=q)
            | Q(customer__name__icontains=q)
            | Q(address__icontains=q)
        )
    return qs


def order_with_details(qs: QuerySet[CustomerOrder]) -> QuerySet[CustomerOrder]:
    return qs.select_related(
        "warehouse", "customer", "partner", "pick_wave", "delivery_pin", "cod_collection"
    ).prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("pk")),
        "parcels",
        "attempts",
        Prefetch("events", queryset=OrderEvent.objects.select_related("user", "ret")),
    )


def order_get_for_api(*, reference: str, user) -> CustomerOrder:
    """One order as `orders_for_api(details=True)` reads it, as the caller may see it (404
    otherwise)."""
    # The order's own one-to-one records (kept by this app, printed by the detail) are joined.
    own = [
        f.name
        for f in CustomerOrder._meta.related_objects
        if f.one_to_one and f.related_model._meta.app_label == "orders"
    ]
    # The reference is unique: no ORDER BY to compile or run (first() would add one).
    found = orders_for_api(orders_visible_to(user), details=True, related=own).filter(
        reference=reference
    )
    order = next(iter(found.order_by()[:1]), None)
    if order is None:
        raise NotFound(f"No order {reference}.", field="reference")
    json_array_times(order.attempt_rows, "attempted_at")
    json_array_times(order.event_rows, "at")
    return order


def order_get(*, reference: str, user) -> CustomerOrder:
    """One order by reference, as the caller may see it (404 otherwise)."""
    order = order_with_details(orders_visible_to(user)).filter(reference=reference).first()
    if order is None:
        raise NotFound(f"No order {reference}.", field="reference")
    return order


def order_shortfall(*, order: CustomerOrder) -> list[dict]:
    """What each line lacks to be reserved in full right now (lines without a gap omitted)."""
    out = []
    for line in order.lines.select_related("product").order_by("pk"):
        missing = line.quantity - line.quantity_reserved
        if missing <= 0:
            continue
        available = stock_available(product=line.product, warehouse=order.warehouse)
        if available < missing:
            out.append(
                {
                    "line": line.pk,
                    "product": line.product.sku,
                    "requested": missing,
                    "available": available,
                    "shortfall": missing - available,
                }
            )
    return out


def order_shortfall_safe(order: CustomerOrder) -> list[dict]:
    """The shortfall of a new order (what blocks its confirmation); [] in any other status."""
    return order_shortfall(order=order) if order.status == S.NEW else []


def status_counts(qs: QuerySet[CustomerOrder]) -> dict[str, int]:
    rows = qs.order_by().values("status").annotate(n=Count("id"))
    counts = dict.fromkeys(S.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def late_risk(order: CustomerOrder, *, now: datetime | None = None) -> str:
    """ "late" (window over, not delivered), "at_risk" (behind the lead time) or ""."""
    now = now or timezone.now()
    if order.status in (S.DELIVERED, S.CANCELLED):
        return ""
    if order.window_end <= now:
        return "late"
    lead = LATE_RISK_LEAD.get(order.status)
    if lead is not None and order.window_start - now < lead:
        return "at_risk"
    if order.status == S.FAILED:
        return "at_risk"
    return ""


@dataclass
class PickListRow:
    location: str
    sku: str
    name: str
    quantity: int
    orders: list[str]


def pick_list(*, wave: PickWave) -> list[PickListRow]:
    """What to pick for a wave, by location code then SKU: open waves from the reservations,
    completed ones from the pick moves in the ledger."""
    lines = OrderLine.objects.filter(order__pick_wave=wave).select_related("order")
    refs = {f"{line.order.reference}#{line.pk}": line.order.reference for line in lines}
    grouped: dict[tuple, dict] = defaultdict(lambda: {"quantity": 0, "orders": set()})
    if wave.status == PickWave.Status.OPEN:
        sources = Reservation.objects.filter(
            demand_ref__in=refs, state=Reservation.State.RESERVED
        ).select_related("stock__location", "product")
        for r in sources:
            key = (r.stock.location.code, r.product.sku, r.product.name)
            grouped[key]["quantity"] += r.quantity
            grouped[key]["orders"].add(refs[r.demand_ref])
    else:
        moves = StockMove.objects.filter(
            reference__in=refs, kind=StockMove.Kind.PICK
        ).select_related("from_location", "product")
        for m in moves:
            key = (m.from_location.code, m.product.sku, m.product.name)
            grouped[key]["quantity"] += m.quantity
            grouped[key]["orders"].add(refs[m.reference])
    return [
        PickListRow(
            location=k[0], sku=k[1], name=k[2], quantity=v["quantity"], orders=sorted(v["orders"])
        )
        for k, v in sorted(grouped.items())
    ]


def orders_ready_for_routing(*, warehouse: Warehouse, day: date) -> QuerySet[CustomerOrder]:
    """Packed orders with coordinates whose first window starts on `day` (warehouse's zone).

    What routing plans: each has `windows`, `service_time_s`, `priority`, `required_skills`,
    parcels (weight/volume) and lines (units).
    """
    tz = warehouse.tzinfo
    start = datetime.combine(day, time.min, tzinfo=tz)
    return (
        CustomerOrder.objects.filter(
            warehouse=warehouse,
            status=S.PACKED,
            latitude__isnull=False,
            window_start__gte=start,
            window_start__lt=start + timedelta(days=1),
        )
        .select_related("warehouse", "customer")
        .prefetch_related("parcels", "lines")
        .order_by("window_start", "pk")
    )


def returns_visible_to(user) -> QuerySet[Return]:
    qs = Return.objects.all()
    partner = _partner_of(user)
    if partner is not None:
        qs = qs.filter(partner=partner)
    return qs


def return_list(*, user, filters: dict | None = None) -> QuerySet[Return]:
    filters = filters or {}
    qs = returns_visible_to(user).select_related("order", "warehouse", "order__customer")
    if filters.get("status"):
        qs = qs.filter(status__in=str(filters["status"]).split(","))
    if filters.get("warehouse"):
        qs = qs.filter(warehouse__code=filters["warehouse"])
    if filters.get("order"):
        qs = qs.filter(order__reference=filters["order"])
    return qs


def return_get(*, reference: str, user) -> Return:
    ret = (
        returns_visible_to(user)
        .select_related("order__customer", "order__partner", "warehouse")
        .prefetch_related(
            Prefetch("lines", queryset=_return_lines()),
            Prefetch("events", queryset=OrderEvent.objects.select_related("user")),
        )
        .filter(reference=reference)
        .first()
    )
    if ret is None:
        raise NotFound(f"No return {reference}.", field="reference")
    return ret


def return_get_for_api(*, reference: str, user) -> Return:
    """One return as `returns_for_api(details=True)` reads it, as the caller may see it (404
    otherwise)."""
    found = returns_for_api(returns_visible_to(user), details=True).filter(reference=reference)
    ret = next(iter(found.order_by()[:1]), None)
    if ret is None:
        raise NotFound(f"No return {reference}.", field="reference")
    json_array_times(ret.event_rows, "at")
    return ret


def _return_lines():
    return ReturnLine.objects.select_related("order_line__product").order_by("pk")


def returns_awaiting_pickup(*, warehouse: Warehouse | None = None) -> QuerySet[Return]:
    """Approved pickup returns with coordinates: routing adds a pickup stop for each."""
    qs = Return.objects.filter(
        status=ReturnStatus.APPROVED,
        method=Return.Method.PICKUP,
        pickup_latitude__isnull=False,
    ).select_related("order", "warehouse")
    if warehouse is not None:
        qs = qs.filter(warehouse=warehouse)
    return qs.order_by("created_at", "pk")
