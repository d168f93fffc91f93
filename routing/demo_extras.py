"""More routing demo data, through the same services staff use: shifts for the coming week (so
the fleet week view and delivery options have capacity to show), and a few orders that need a
delivery PIN or cash on delivery put on the hand-driven demo driver's live route today (the
simulator does not type PINs or take cash, so they go on the route a person drives).
Idempotent: a shift or order that exists is left alone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from core.exceptions import DomainError
from inventory.models import Product, Warehouse
from orders.models import CustomerOrder
from routing.fleet.services import BreakSpec, shift_create
from routing.models import Route, Shift

WEEK_DAYS = 7
HAND_DRIVEN = "driver"
# (suffix, customer, street, requires a PIN, cash to collect in EUR or None)
HANDOVER_ORDERS = [
    ("PIN-1", "Greta Hoffmann", "Danziger Straße 54", True, None),
    ("COD-1", "Mehmet Yilmaz", "Bergmannstraße 12", False, Decimal("23.50")),
    ("PINCOD-1", "Olga Nowak", "Greifswalder Straße 140", True, Decimal("49.90")),
]
# Offsets (degrees) from the depot, so the stops sit in the city, not on the depot.
HANDOVER_OFFSETS = [(0.021, -0.034), (-0.018, 0.027), (0.012, 0.041)]


def _line(product: Product) -> dict:
    """One unit at the demo orders' mark-up on cost (orders/demo.py)."""
    return {
        "product": product,
        "quantity": 1,
        "unit_price": (product.unit_cost * Decimal("1.6")).quantize(Decimal("0.01")),
    }


def seed_week_shifts(*, shifts: list[Shift], today: dt.date, stdout) -> int:
    """Book each of today's demo shifts again on the next `WEEK_DAYS` days (same driver,
    vehicle, hours and break), skipping a day the shift rules refuse (time off, working days)."""
    booked = 0
    for shift in shifts:
        for ahead in range(1, WEEK_DAYS + 1):
            day = today + dt.timedelta(days=ahead)
            if Shift.objects.filter(date=day, driver=shift.driver).exists():
                continue
            try:
                shift_create(
                    driver=shift.driver,
                    vehicle=shift.vehicle,
                    date=day,
                    start_time=shift.start_time,
                    end_time=shift.end_time,
                    breaks=[
                        BreakSpec(earliest, latest, duration_s)
                        for earliest, latest, duration_s in shift.breaks
                    ],
                )
            except DomainError:
                continue
            booked += 1
    if booked:
        stdout.write(f"Routing: {booked} shifts booked for the coming week.\n")
    return booked


def seed_handover_orders(*, depot: Warehouse, today: dt.date, user, stdout) -> int:
    """Create the PIN and cash-on-delivery demo orders (packed) and insert each into the
    hand-driven driver's route today; one that does not fit stays unassigned on the board."""
    from orders import services as order_services
    from routing.services.insertion import order_insert

    route = (
        Route.objects.filter(
            plan__date=today,
            plan__depots=depot,
            shift__driver__user__username=HAND_DRIVEN,
        )
        .select_related("plan")
        .first()
    )
    if route is None:
        return 0
    products = list(
        Product.objects.filter(
            is_active=True, stock__location__warehouse=depot, stock__on_hand__gt=20
        )
        .distinct()
        .order_by("sku")[:2]
    )
    if not products:
        return 0
    tz = depot.tzinfo
    now = timezone.localtime(timezone.now(), tz)
    start = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    end = dt.datetime.combine(today, depot.closing_time, tzinfo=tz)
    if end - start < dt.timedelta(hours=2):
        start = end - dt.timedelta(hours=2)
    inserted = 0
    for (suffix, name, street, pin, cod), (dlat, dlon) in zip(
        HANDOVER_ORDERS, HANDOVER_OFFSETS, strict=True
    ):
        ref = f"DEMO-{depot.code}-{today:%Y%m%d}-{suffix}"
        if CustomerOrder.objects.filter(warehouse=depot, external_ref=ref).exists():
            continue
        try:
            order = order_services.order_create(
                warehouse=depot,
                external_ref=ref,
                customer_name=name,
                customer_email=f"{name.lower().replace(' ', '.')}@example.com",
                customer_phone="+49 151 5550100",
                address=f"{street}, {depot.city}",
                latitude=(depot.latitude + Decimal(str(dlat))).quantize(Decimal("0.000001")),
                longitude=(depot.longitude + Decimal(str(dlon))).quantize(Decimal("0.000001")),
                window_start=start,
                window_end=end,
                service_time_s=180,
                lines=[_line(products[inserted % len(products)])],
                requires_pin=pin,
                cod_amount=cod,
                cod_currency="EUR" if cod else "",
                # As today's other demo orders (routing/demo.py): made as of this morning, so
                # the demo loaded after closing time still has them (their window then past).
                now=dt.datetime.combine(today, dt.time(0), tzinfo=tz),
            )
            order_services.order_confirm(order=order)
            order_services.order_pick(order=order)
            order = order_services.order_pack(order=order)
        except DomainError as exc:
            stdout.write(f"Routing: demo order {ref} not created: {exc.detail}\n")
            continue
        try:
            order_insert(route=route, order=order, user=user)
            inserted += 1
        except DomainError as exc:
            stdout.write(f"Routing: {ref} left unassigned: {exc.detail}\n")
    if inserted:
        stdout.write(
            f"Routing: {inserted} PIN / cash-on-delivery orders on {HAND_DRIVEN}'s route.\n"
        )
    return inserted
