"""Delivered order history brought in from before Waybill held the stock (a shop moving its past
orders over, the demo's past weeks): orders that were delivered elsewhere, so they book no stock
moves and publish no events (partners heard of them when they happened). Forecasting reads them
as demand history on their delivery day like any delivered order.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.exceptions import ValidationFailed
from core.references import references_next
from inventory.models import Product, Warehouse
from orders.models import Customer, CustomerOrder, OrderEvent, OrderLine, OrderStatus, Parcel
from orders.services.cleaning import warehouse_clean
from orders.services.picking import parcels_for


@dataclass
class PastOrder:
    """One delivered order of the history: the customer, where and when, and its lines
    (product, quantity, unit price)."""

    external_ref: str
    customer_name: str
    address: str
    window_start: datetime
    window_end: datetime
    delivered_at: datetime
    lines: list[tuple[Product, int, Decimal]] = field(default_factory=list)
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def _check(index: int, past: PastOrder, now: datetime) -> None:
    where = f"orders[{index}]"
    if not past.lines:
        raise ValidationFailed("An order needs at least one line.", field=f"{where}.lines")
    if any(quantity < 1 for _product, quantity, _price in past.lines):
        raise ValidationFailed("Quantities are whole numbers above 0.", field=f"{where}.lines")
    if not past.window_start < past.window_end:
        raise ValidationFailed("The window must end after it starts.", field=f"{where}.window")
    if past.delivered_at > now:
        raise ValidationFailed("A past order was delivered before now.", field=f"{where}.at")
    if not past.external_ref:
        raise ValidationFailed("Give each order its reference.", field=f"{where}.external_ref")


@transaction.atomic
def orders_history_import(*, warehouse: Warehouse, orders: list[PastOrder], user=None) -> int:
    """Record already delivered orders of `warehouse` in bulk: status delivered, every line
    delivered in full, the parcels packing would have made, one timeline entry saying so.
    Nothing is reserved, shipped or published. All or nothing; an `external_ref` the
    warehouse's history already holds is skipped (safe to run twice). Returns how many orders
    were written."""
    warehouse = warehouse_clean(warehouse)
    now = timezone.now()
    for index, past in enumerate(orders):
        _check(index, past, now)
    known = set(
        CustomerOrder.objects.filter(
            warehouse=warehouse, partner=None, external_ref__in=[p.external_ref for p in orders]
        ).values_list("external_ref", flat=True)
    )
    todo = [p for p in orders if p.external_ref not in known]
    if not todo:
        return 0
    customers = {c.name: c for c in Customer.objects.filter(partner=None, email="")}
    new = {p.customer_name for p in todo} - set(customers)
    for customer in Customer.objects.bulk_create(
        Customer(name=name[:200], address="") for name in sorted(new)
    ):
        customers[customer.name] = customer
    by_year = defaultdict(list)
    for past in todo:
        by_year[past.delivered_at.year].append(past)
    rows = []
    for year, pasts in sorted(by_year.items()):
        references = references_next(prefix="ORD", count=len(pasts), year=year)
        for reference, past in zip(references, pasts, strict=True):
            rows.append(
                CustomerOrder(
                    reference=reference,
                    external_ref=past.external_ref,
                    customer=customers[past.customer_name[:200]],
                    warehouse=warehouse,
                    status=OrderStatus.DELIVERED,
                    address=past.address,
                    latitude=past.latitude,
                    longitude=past.longitude,
                    contact_name=past.customer_name[:200],
                    window_start=past.window_start,
                    window_end=past.window_end,
                    tracking_token=secrets.token_urlsafe(24),
                    created_by=user,
                    confirmed_at=past.window_start,
                    delivered_at=past.delivered_at,
                )
            )
    created = CustomerOrder.objects.bulk_create(rows)
    pasts = [p for _year, group in sorted(by_year.items()) for p in group]
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=product,
            quantity=quantity,
            quantity_reserved=quantity,
            quantity_picked=quantity,
            quantity_delivered=quantity,
            unit_price=price,
        )
        for order, past in zip(created, pasts, strict=True)
        for product, quantity, price in past.lines
    )
    Parcel.objects.bulk_create(
        Parcel(
            order=order,
            label_code=f"{order.reference}-{n:02d}",
            weight_kg=parcel["weight_kg"],
            volume_m3=parcel["volume_m3"],
        )
        for order, past in zip(created, pasts, strict=True)
        for n, parcel in enumerate(parcels_for((p, q) for p, q, _ in past.lines), start=1)
    )
    OrderEvent.objects.bulk_create(
        OrderEvent(
            order=order,
            type=OrderEvent.Type.DELIVERED,
            at=past.delivered_at,
            message="Delivered (order history brought in from before Waybill).",
            user=user,
        )
        for order, past in zip(created, pasts, strict=True)
    )
    return len(created)
