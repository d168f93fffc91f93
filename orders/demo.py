"""Demo customer orders: ~150 orders for today around each demo warehouse, with realistic
addresses within ~12 km of the city centre and time windows spread over the local day; mostly
confirmed or packed (ready for routing), a few new ones, one needing a location; delivered
orders from the past three days, and some returns; and eight weeks of delivered orders from
before (order history brought in without stock moves: what forecasting learns from).

Everything goes through the real services, so stock reservations, picks, shipments and the
ledger agree. Idempotent: a warehouse that already has demo orders for today is skipped.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.exceptions import DomainError
from inventory.models import Location, Product, Warehouse
from inventory.selectors import stock_available
from orders import services as svc
from orders.models import CustomerOrder, OrderStatus
from orders.services import (
    PastOrder,
    orders_history_import,
    return_in_transit,
    return_receive,
    return_request,
)
from partners.models import Partner

ORDERS_PER_WAREHOUSE = 150
PAST_DELIVERED = 24
# Delivered orders of the weeks before (brought in as history: no stock moves).
HISTORY_DAYS = 56
HISTORY_ORDERS_PER_DAY = 30
WEEKDAY_LOAD = [1.15, 1.05, 1.0, 1.0, 1.2, 0.7, 0.3]  # Monday first
STREETS = {
    "BER": ["Torstraße", "Kastanienallee", "Schönhauser Allee", "Oranienstraße", "Karl-Marx-Straße",
            "Bergmannstraße", "Kantstraße", "Sonnenallee", "Frankfurter Allee", "Müllerstraße",
            "Hauptstraße", "Greifswalder Straße", "Wilmersdorfer Straße", "Danziger Straße"],
    "HAM": ["Mönckebergstraße", "Osterstraße", "Eppendorfer Weg", "Lange Reihe", "Schanzenstraße",
            "Bahrenfelder Straße", "Hamburger Straße", "Wandsbeker Chaussee", "Max-Brauer-Allee",
            "Grindelallee", "Fuhlsbüttler Straße", "Holstenstraße"],
}  # fmt: skip
FIRST = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannah", "Jonas", "Lea",
         "Lukas", "Mia", "Noah", "Paul", "Sofia", "Tim", "Yusuf", "Zoe", "Mehmet",
         "Olga"]  # fmt: skip
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann",
        "Klein", "Wolf", "Yilmaz", "Nowak", "Kowalski", "Schäfer", "Braun", "Krause"]  # fmt: skip
INSTRUCTIONS = ["", "", "", "Leave with the neighbour", "Ring twice", "Back entrance",
                "Call on arrival", "3rd floor, no lift"]  # fmt: skip


def _point(rng: random.Random, lat: Decimal, lon: Decimal, max_km: float = 12.0):
    distance = max_km * math.sqrt(rng.random()) + 0.3
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = distance / 111.2 * math.cos(bearing)
    dlon = distance / (111.2 * math.cos(math.radians(float(lat)))) * math.sin(bearing)
    return (
        (lat + Decimal(str(dlat))).quantize(Decimal("0.000001")),
        (lon + Decimal(str(dlon))).quantize(Decimal("0.000001")),
    )


def seed_customer_demo(*, stdout=None) -> int:
    """Create today's demo orders for every active warehouse that has none yet; returns count."""
    created = 0
    partner = Partner.objects.filter(code="acme-shop").first()
    for warehouse in Warehouse.objects.filter(is_active=True).order_by("code"):
        if not Location.objects.filter(warehouse=warehouse, kind=Location.Kind.DISPATCH).exists():
            continue
        tz = warehouse.tzinfo
        today = timezone.localtime(timezone.now(), tz).date()
        day_start = datetime.combine(today, time.min, tzinfo=tz)
        if CustomerOrder.objects.filter(
            warehouse=warehouse,
            external_ref__startswith="DEMO-",
            window_start__gte=day_start,
            window_start__lt=day_start + timedelta(days=1),
        ).exists():
            continue
        created += _seed_warehouse(warehouse, partner, today)
    if stdout is not None and created:
        stdout.write(f"orders: {created} demo customer orders")
    return created


def _past_orders(warehouse: Warehouse, today) -> list[PastOrder]:
    """`HISTORY_DAYS` of delivered orders before today: about `HISTORY_ORDERS_PER_DAY` a day,
    busier early in the week and on Fridays, quiet on Sundays; a few products sell most (so
    forecasts range from steady sellers to intermittent ones)."""
    rng = random.Random(f"history-{warehouse.code}")
    products = list(Product.objects.filter(is_active=True).order_by("sku"))
    if not products:
        return []
    rng.shuffle(products)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(products))]
    tz = warehouse.tzinfo
    streets = STREETS.get(warehouse.code, ["Hauptstraße", "Bahnhofstraße", "Gartenweg"])
    city = warehouse.city or warehouse.name
    out = []
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        day_rng = random.Random(f"history-{warehouse.code}-{day}")
        count = round(
            HISTORY_ORDERS_PER_DAY * WEEKDAY_LOAD[day.weekday()] * day_rng.uniform(0.8, 1.2)
        )
        for index in range(count):
            lines: dict[Product, int] = {}
            for _ in range(day_rng.choice([1, 1, 2, 3])):
                product = day_rng.choices(products, weights)[0]
                lines[product] = lines.get(product, 0) + day_rng.randint(1, 3)
            start = datetime.combine(day, time(day_rng.randint(8, 17)), tzinfo=tz)
            lat, lon = _point(day_rng, warehouse.latitude, warehouse.longitude)
            out.append(
                PastOrder(
                    external_ref=f"HIST-{warehouse.code}-{day:%Y%m%d}-{index:03d}",
                    customer_name=f"{day_rng.choice(FIRST)} {day_rng.choice(LAST)}",
                    address=f"{day_rng.choice(streets)} {day_rng.randint(1, 180)}, {city}",
                    latitude=lat,
                    longitude=lon,
                    window_start=start,
                    window_end=start + timedelta(hours=2),
                    delivered_at=start + timedelta(minutes=day_rng.randint(5, 110)),
                    lines=[
                        (p, q, (p.unit_cost * Decimal("1.6")).quantize(Decimal("0.01")))
                        for p, q in lines.items()
                    ],
                )
            )
    return out


def _pickup_tomorrow(warehouse: Warehouse, today) -> dict:
    """A pickup window tomorrow afternoon: today's plan leaves that return for the next one."""
    start = datetime.combine(today + timedelta(days=1), time(15), tzinfo=warehouse.tzinfo)
    return {"pickup_window_start": start, "pickup_window_end": start + timedelta(hours=3)}


def _seed_warehouse(warehouse: Warehouse, partner, today) -> int:
    # Weeks of delivered orders from before Waybill, so forecasts have a history to learn.
    orders_history_import(warehouse=warehouse, orders=_past_orders(warehouse, today))
    rng = random.Random(f"{warehouse.code}-{today}")
    tz = warehouse.tzinfo
    products = [
        p
        for p in Product.objects.filter(is_active=True).order_by("sku")
        if stock_available(product=p, warehouse=warehouse) >= 20
    ]
    if not products:
        return 0
    streets = STREETS.get(warehouse.code, ["Hauptstraße", "Bahnhofstraße", "Gartenweg"])
    city = warehouse.city or warehouse.name
    created = 0

    def make(index: int, day, *, past: bool = False, locate: bool = True):
        nonlocal created
        lat, lon = _point(rng, warehouse.latitude, warehouse.longitude)
        hour = rng.choice([8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18])
        start = datetime.combine(day, time(hour, rng.choice([0, 30])), tzinfo=tz)
        length = timedelta(hours=rng.choice([1, 2, 2, 3, 4]))
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        by_partner = partner is not None and rng.random() < 0.35
        lines = [
            {
                "product": product,
                "quantity": rng.randint(1, 3),
                "unit_price": (product.unit_cost * Decimal("1.6")).quantize(Decimal("0.01")),
            }
            for product in rng.sample(products, k=min(len(products), rng.choice([1, 1, 2, 3])))
        ]
        skills = ["refrigerated"] if rng.random() < 0.12 else []
        if rng.random() < 0.05:
            skills.append("two_person")
        order = svc.order_create(
            warehouse=warehouse,
            partner=partner if by_partner else None,
            external_ref=f"DEMO-{warehouse.code}-{day:%Y%m%d}-{index:03d}",
            customer_name=name,
            customer_email=f"{name.lower().replace(' ', '.')}.{index}@example.com",
            customer_phone=f"+49 {rng.randint(150, 179)} {rng.randint(1000000, 9999999)}",
            address=f"{rng.choice(streets)} {rng.randint(1, 180)}, {city}",
            latitude=lat if locate else None,
            longitude=lon if locate else None,
            window_start=start,
            window_end=start + length,
            service_time_s=rng.choice([120, 180, 300, 300, 420, 600]),
            priority=rng.choice([1, 1, 1, 1, 2, 3, 0]),
            required_skills=skills,
            instructions=rng.choice(INSTRUCTIONS),
            lines=lines,
            now=datetime.combine(day, time.min, tzinfo=tz) - timedelta(days=1) if past else
            datetime.combine(day, time.min, tzinfo=tz),
        )  # fmt: skip
        created += 1
        return order

    def advance(order, target: str):
        steps = [
            (OrderStatus.CONFIRMED, lambda o: svc.order_confirm(order=o)),
            (OrderStatus.PICKED, lambda o: svc.order_pick(order=o)),
            (OrderStatus.PACKED, lambda o: svc.order_pack(order=o)),
            (OrderStatus.PLANNED, lambda o: svc.order_plan(order=o)),
            (OrderStatus.OUT_FOR_DELIVERY, lambda o: svc.order_out_for_delivery(order=o)),
        ]
        try:
            for status, step in steps:
                order = step(order)
                if status == target:
                    return order
        except DomainError:
            return order  # e.g. stock ran out: the order stays where it got to
        return order

    with transaction.atomic():
        # Past days first: delivered orders (and their returns) before today's reservations.
        delivered = []
        for index in range(PAST_DELIVERED):
            day = today - timedelta(days=1 + index % 3)
            order = advance(make(900 + index, day, past=True), OrderStatus.OUT_FOR_DELIVERY)
            if order.status != OrderStatus.OUT_FOR_DELIVERY:
                continue
            at = order.window_start + timedelta(minutes=rng.randint(5, 100))
            if index % 8 == 7:
                order = svc.order_fail(order=order, reason="customer_absent", at=at)
                svc.order_cancel(order=order, reason="Returned to stock after a failed attempt")
            else:
                delivered.append(svc.order_deliver(order=order, at=at))
            # The services stamp "now"; put this past order's earlier steps before its attempt.
            order.events.exclude(type__in=["delivered", "failed", "cancelled"]).update(
                at=order.window_start - timedelta(hours=3)
            )
        for index, order in enumerate(delivered[:6]):
            line = order.lines.first()
            try:
                ret = return_request(
                    order=order,
                    lines=[{"order_line": line, "quantity": 1, "reason": rng.choice(
                        ["defective", "no_longer_needed", "damaged", "wrong_item"])}],
                    channel="dispatcher" if index % 2 else "customer",
                    **(_pickup_tomorrow(warehouse, today) if index == 5 else {}),
                )  # fmt: skip
                if index < 2:
                    ret = return_in_transit(ret=ret)
                    return_receive(
                        ret=ret, conditions={ret.lines.get().pk: "good" if index else "damaged"}
                    )
            except DomainError:
                continue

        # Today: mostly confirmed or packed, some new, a few picked; one without coordinates.
        plan = (
            [OrderStatus.NEW] * 15
            + [OrderStatus.CONFIRMED] * 45
            + [OrderStatus.PICKED] * 10
            + [OrderStatus.PACKED] * 80
        )
        rng.shuffle(plan)
        for index, target in enumerate(plan[:ORDERS_PER_WAREHOUSE]):
            order = make(index + 1, today, locate=index != 7)
            if target != OrderStatus.NEW:
                advance(order, target)
    return created
