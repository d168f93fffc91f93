"""Availability reads that the services and other apps (orders, routing) rely on."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import (
    DateField,
    DateTimeField,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from core import timefmt
from core.exceptions import NotFound
from inventory.models import Location, Lot, Product, Reservation, Stock, StockCondition, Warehouse
from inventory.supply import on_order_quantities


def warehouse_today(warehouse: Warehouse) -> date:
    """Today's date where the warehouse is (expiry is judged by the local calendar)."""
    return timefmt.today([warehouse])


def warehouses_today(now: datetime | None = None) -> date:
    """Today where the active warehouses are (their date when they share a zone, the server's
    otherwise): the day pages listing every depot's plans, shifts or orders open on."""
    return timefmt.today(Warehouse.objects.filter(is_active=True), now=now)


def local_today(prefix: str = "") -> Cast:
    """The local date where the stock row's warehouse is, as a database expression (expiry is
    judged by the warehouse's calendar, as `warehouse_today` does for one warehouse)."""
    zone = F(f"{prefix}location__warehouse__timezone")
    local = Func(zone, Value(timezone.now()), function="timezone", output_field=DateTimeField())
    return Cast(local, DateField())


def expired_q(prefix: str = "") -> Q:
    """Expired stock rows: a lot past its expiry date (`expires_at` is the last day it may be
    sold, in the warehouse's calendar), or units already booked to the `expired` condition."""
    return Q(**{f"{prefix}condition": StockCondition.EXPIRED}) | Q(
        **{f"{prefix}lot__expires_at__lt": local_today(prefix)}
    )


def sellable_q(prefix: str = "") -> Q:
    """Rows whose unreserved units may be promised (the rule of `reservable_stock`): good, in an
    active location that is not quarantine, not expired."""
    return (
        Q(**{f"{prefix}condition": StockCondition.GOOD, f"{prefix}location__is_active": True})
        & ~Q(**{f"{prefix}location__kind": Location.Kind.QUARANTINE})
        & ~expired_q(prefix)
    )


def stock_totals(*, prefix: str = "stock__", warehouse: Warehouse | None = None) -> dict:
    """Annotations for products (or anything with stock rows under `prefix`): units on hand,
    reserved and available, and why the rest cannot be promised — `expired_qty` (expired
    rows) and `blocked_qty` (damaged, quarantined, or in a quarantine or inactive location)."""
    scope = Q(**{f"{prefix}location__warehouse": warehouse}) if warehouse else Q()
    expired, sellable = expired_q(prefix), sellable_q(prefix)
    zero = IntegerField()

    def total(expression, condition):
        return Coalesce(Sum(expression, filter=scope & condition), 0, output_field=zero)

    on_hand = F(f"{prefix}on_hand")
    return {
        "on_hand_qty": total(on_hand, Q()),
        "reserved_qty": total(F(f"{prefix}reserved"), Q()),
        "available_qty": total(on_hand - F(f"{prefix}reserved"), sellable),
        "expired_qty": total(on_hand, expired),
        "blocked_qty": total(on_hand, ~expired & ~sellable),
    }


def reservable_stock(*, product: Product, warehouse: Warehouse) -> QuerySet[Stock]:
    """Rows whose unreserved units may be promised: good, in an active non-quarantine location
    of the warehouse, not in a lot past its expiry date, with something unreserved."""
    return _reservable(warehouse, product=product)


def stock_available_by(*, product_ids, warehouses: list[Warehouse]) -> dict[tuple[int, int], int]:
    """`stock_available` of many products in many warehouses, one query per warehouse:
    {(product id, warehouse id): units}; a pair missing has none."""
    out: dict[tuple[int, int], int] = {}
    for warehouse in warehouses:
        rows = (
            _reservable(warehouse, product_id__in=list(product_ids))
            .values("product_id")
            .annotate(total=Sum(F("on_hand") - F("reserved")))
        )
        out.update({(row["product_id"], warehouse.pk): row["total"] or 0 for row in rows})
    return out


def _reservable(warehouse: Warehouse, **products) -> QuerySet[Stock]:
    today = warehouse_today(warehouse)
    return Stock.objects.filter(
        Q(lot__isnull=True) | Q(lot__expires_at__isnull=True) | Q(lot__expires_at__gte=today),
        **products,
        location__warehouse=warehouse,
        location__is_active=True,
        condition=StockCondition.GOOD,
        on_hand__gt=F("reserved"),
    ).exclude(location__kind=Location.Kind.QUARANTINE)


def stock_available(*, product: Product, warehouse: Warehouse) -> int:
    """Units that `stock_reserve` could reserve right now.

    `stock_available(*, product, warehouse) -> int`.
    """
    total = reservable_stock(product=product, warehouse=warehouse).aggregate(
        total=Sum(F("on_hand") - F("reserved"))
    )["total"]
    return total or 0


def available_to_promise(
    *, product: Product, warehouse: Warehouse, include_on_order: bool = True
) -> int:
    """Available now plus units on order for this warehouse (from registered suppliers of
    "on order", see inventory.supply). `available_to_promise(*, product, warehouse,
    include_on_order=True) -> int`."""
    available = stock_available(product=product, warehouse=warehouse)
    if not include_on_order:
        return available
    incoming = on_order_quantities(product_ids=[product.pk], warehouse_ids=[warehouse.pk])
    return available + incoming.get((product.pk, warehouse.pk), 0)


def reservations_for_demand(*, demand_ref: str, active_only: bool = False) -> QuerySet[Reservation]:
    """A demand's reservations with their stock rows, oldest first."""
    qs = Reservation.objects.filter(demand_ref=demand_ref).select_related(
        "product", "stock__location__warehouse", "stock__lot"
    )
    if active_only:
        qs = qs.filter(state__in=Reservation.ACTIVE_STATES)
    return qs.order_by("pk")


def stock_find(
    *, product: Product, location: Location, lot: Lot | None = None, condition: str = "good"
) -> Stock | None:
    """The stock row for a key (product, location and lot loaded with it), or None."""
    return (
        Stock.objects.select_related("product", "location__warehouse", "lot")
        .filter(product=product, location=location, lot=lot, condition=condition)
        .first()
    )


def stock_get(
    *, product: Product, location: Location, lot: Lot | None = None, condition: str = "good"
) -> Stock:
    """The stock row for a key, or NotFound (404) naming the location."""
    row = stock_find(product=product, location=location, lot=lot, condition=condition)
    if row is None:
        lot_part = f" lot {lot.code}" if lot else ""
        raise NotFound(
            f"No {condition} stock of {product.sku}{lot_part} at {location}.", field="location"
        )
    return row
