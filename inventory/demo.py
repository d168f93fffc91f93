"""Demo data: Berlin (BER) and Hamburg (HAM) warehouses, their locations, ~60 products, lots of
different ages, some damaged/quarantined/expiring stock and some items below reorder point.

Written with bulk inserts (well under a second) yet ledger-true: every stock row's on_hand is
the sum of the receipt and condition moves written with it. Idempotent: skipped once BER exists.
"""

from __future__ import annotations

import random
from datetime import time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from inventory.models import Location, Lot, Product, Stock, StockMove, Warehouse

WAREHOUSES = [
    {
        "code": "BER",
        "name": "Berlin Central",
        "address": "Alexanderplatz 1",
        "postal_code": "10178",
        "city": "Berlin",
        "country_code": "DE",
        "latitude": Decimal("52.520000"),
        "longitude": Decimal("13.405000"),
        "timezone": "Europe/Berlin",
        "opening_time": time(6, 0),
        "closing_time": time(22, 0),
    },
    {
        "code": "HAM",
        "name": "Hamburg Harbour",
        "address": "Rathausmarkt 1",
        "postal_code": "20095",
        "city": "Hamburg",
        "country_code": "DE",
        "latitude": Decimal("53.551100"),
        "longitude": Decimal("9.993700"),
        "timezone": "Europe/Berlin",
        "opening_time": time(6, 0),
        "closing_time": time(20, 0),
    },
]

# (name, unit, weight kg, volume m³, unit cost, shelf life days or None)
CATALOGUE = [
    ("Espresso beans 1 kg", "bag", "1.05", "0.0020", "14.90", 365),
    ("Green tea 100 bags", "box", "0.25", "0.0012", "4.20", 540),
    ("Oat milk 1 l", "ea", "1.04", "0.0011", "1.35", 120),
    ("Whole milk 1 l", "ea", "1.03", "0.0011", "1.05", 12),
    ("Greek yoghurt 500 g", "ea", "0.52", "0.0006", "1.90", 21),
    ("Sourdough bread", "ea", "0.80", "0.0040", "3.10", 5),
    ("Free-range eggs x10", "box", "0.65", "0.0015", "3.40", 28),
    ("Cheddar 400 g", "pack", "0.42", "0.0005", "4.60", 90),
    ("Orange juice 1 l", "bottle", "1.08", "0.0011", "2.30", 45),
    ("Baby food jar", "ea", "0.22", "0.0002", "1.20", 365),
    ("Vitamin C tablets", "box", "0.12", "0.0003", "6.90", 730),
    ("Hand sanitiser 500 ml", "bottle", "0.55", "0.0006", "3.80", 900),
    ("Sunscreen SPF50", "bottle", "0.22", "0.0003", "9.50", 540),
    ("Dark chocolate 100 g", "ea", "0.11", "0.0001", "1.80", 300),
    ("Olive oil 750 ml", "bottle", "0.95", "0.0009", "8.40", 600),
    ("Basmati rice 5 kg", "bag", "5.05", "0.0070", "11.90", None),
    ("Pasta fusilli 500 g", "pack", "0.51", "0.0012", "1.10", None),
    ("Tomato passata 700 g", "bottle", "0.85", "0.0008", "1.40", None),
    ("Sparkling water 6x1.5 l", "case", "9.40", "0.0130", "3.90", None),
    ("Paper towels x8", "pack", "1.30", "0.0250", "5.60", None),
    ("Toilet paper x24", "pack", "2.60", "0.0450", "11.50", None),
    ("Dish soap 750 ml", "bottle", "0.80", "0.0009", "2.20", None),
    ("Laundry detergent 3 l", "bottle", "3.20", "0.0040", "12.90", None),
    ("Trash bags 60 l x20", "roll", "0.60", "0.0010", "3.30", None),
    ("LED bulb E27", "box", "0.08", "0.0004", "4.90", None),
    ("AA batteries x8", "pack", "0.19", "0.0002", "6.40", None),
    ("USB-C cable 1 m", "ea", "0.05", "0.0002", "7.90", None),
    ("Phone charger 20 W", "box", "0.12", "0.0005", "15.90", None),
    ("Bluetooth speaker", "box", "0.65", "0.0030", "39.00", None),
    ("Wireless mouse", "box", "0.14", "0.0008", "19.90", None),
    ("Keyboard", "box", "0.75", "0.0060", "34.90", None),
    ("27-inch monitor", "box", "6.20", "0.0900", "189.00", None),
    ("Laptop stand", "box", "1.40", "0.0080", "29.90", None),
    ("Office chair", "box", "15.50", "0.2200", "149.00", None),
    ("Desk lamp", "box", "1.10", "0.0120", "24.90", None),
    ("Notebook A5", "ea", "0.25", "0.0004", "2.90", None),
    ("Ballpoint pens x10", "pack", "0.09", "0.0002", "3.50", None),
    ("Printer paper A4 500", "pack", "2.50", "0.0030", "5.20", None),
    ("Shipping boxes M x10", "pack", "2.10", "0.0300", "8.90", None),
    ("Packing tape", "roll", "0.18", "0.0004", "1.90", None),
    ("Bubble wrap 10 m", "roll", "0.60", "0.0250", "6.90", None),
    ("Yoga mat", "ea", "1.20", "0.0100", "22.00", None),
    ("Dumbbells 2x5 kg", "box", "10.30", "0.0090", "34.00", None),
    ("Water bottle steel", "ea", "0.35", "0.0010", "14.50", None),
    ("Running socks", "pack", "0.10", "0.0005", "9.90", None),
    ("Rain jacket", "ea", "0.45", "0.0040", "59.00", None),
    ("Backpack 25 l", "ea", "0.80", "0.0200", "49.00", None),
    ("Umbrella", "ea", "0.40", "0.0020", "12.90", None),
    ("Coffee mug", "ea", "0.32", "0.0012", "6.50", None),
    ("Dinner plates x4", "box", "2.40", "0.0080", "19.90", None),
    ("Kitchen knife", "box", "0.25", "0.0010", "24.90", None),
    ("Frying pan 28 cm", "box", "1.30", "0.0090", "29.90", None),
    ("Bath towel", "ea", "0.60", "0.0040", "14.90", None),
    ("Bed sheet set", "pack", "1.50", "0.0060", "39.90", None),
    ("Pillow", "ea", "0.90", "0.0300", "19.90", None),
    ("Scented candle", "ea", "0.35", "0.0008", "8.90", 1095),
    ("Houseplant pot", "ea", "0.70", "0.0050", "11.90", None),
    ("Board game", "box", "1.20", "0.0060", "29.90", None),
    ("Puzzle 1000 pieces", "box", "0.70", "0.0030", "14.90", None),
    ("Dog food 2 kg", "bag", "2.05", "0.0040", "12.50", 400),
]


def _locations(warehouse: Warehouse) -> list[Location]:
    specs = [("RCV-01", Location.Kind.RECEIVING, "Inbound dock")]
    for zone in ("A", "B"):
        for aisle in (1, 2):
            for shelf in (1, 2, 3):
                specs.append((f"{zone}-{aisle:02d}-{shelf:02d}", Location.Kind.STORAGE, ""))
    specs += [
        ("P-01", Location.Kind.PICKING, "Pick face 1"),
        ("P-02", Location.Kind.PICKING, "Pick face 2"),
        ("D-01", Location.Kind.DISPATCH, "Outbound lane 1"),
        ("D-02", Location.Kind.DISPATCH, "Outbound lane 2"),
        ("Q-01", Location.Kind.QUARANTINE, "Quarantine cage"),
        ("R-01", Location.Kind.RETURNS, "Returns desk"),
    ]
    return [
        Location(
            warehouse=warehouse,
            code=code,
            kind=kind,
            name=name,
            capacity_m3=Decimal("12.000") if kind == Location.Kind.STORAGE else None,
            capacity_kg=Decimal("1500.00") if kind == Location.Kind.STORAGE else None,
        )
        for code, kind, name in specs
    ]


def seed_inventory(*, stdout=None) -> bool:
    """Load the inventory demo data once; returns False when it was already there."""
    if Warehouse.objects.filter(code="BER").exists():
        return False
    with transaction.atomic():
        _seed()
    if stdout is not None:
        stdout.write(
            f"Inventory: {Warehouse.objects.count()} warehouses, {Product.objects.count()} "
            f"products, {Stock.objects.count()} stock rows, {StockMove.objects.count()} moves."
        )
    return True


def _seed() -> None:
    rng = random.Random(5)
    now = timezone.now()
    user = get_user_model().objects.filter(username="warehouse").first()
    warehouses = Warehouse.objects.bulk_create([Warehouse(**spec) for spec in WAREHOUSES])
    locations = Location.objects.bulk_create([loc for w in warehouses for loc in _locations(w)])
    by_kind: dict[tuple[int, str], list[Location]] = {}
    for location in locations:
        by_kind.setdefault((location.warehouse_id, location.kind), []).append(location)

    products = Product.objects.bulk_create(
        [
            Product(
                sku=f"WB-{index + 1:04d}",
                name=name,
                unit=unit,
                weight_kg=Decimal(weight),
                volume_m3=Decimal(volume),
                unit_cost=Decimal(cost),
                shelf_life_days=shelf_life,
                barcode=f"40{index + 1:011d}",
                is_returnable=shelf_life is None or shelf_life > 60,
                reorder_point=rng.choice([10, 20, 30, 50]),
                reorder_qty=rng.choice([50, 100, 200]),
                preferred_supplier_code=rng.choice(["SUP-FRESH", "SUP-HOME", "SUP-TECH", ""]),
            )
            for index, (name, unit, weight, volume, cost, shelf_life) in enumerate(CATALOGUE)
        ]
    )

    lots: list[Lot] = []
    rows: list[dict] = []  # stock rows to create, with how they were received
    for index, product in enumerate(products):
        low = index % 9 == 0  # every ninth product ends below its reorder point
        for warehouse in warehouses:
            shelves = by_kind[(warehouse.pk, Location.Kind.STORAGE)]
            picking = by_kind[(warehouse.pk, Location.Kind.PICKING)]
            for batch in range(rng.randint(1, 3)):
                age_days = rng.choice([2, 9, 20, 45, 75, 120, 160, 210, 300])
                if product.shelf_life_days:
                    age_days = min(age_days, max(product.shelf_life_days + 3, 1))
                received_at = now - timedelta(days=age_days, hours=rng.randint(0, 10))
                lot = None
                if product.shelf_life_days or (batch == 0 and index % 4 == 0):
                    expires = (
                        received_at.date() + timedelta(days=product.shelf_life_days)
                        if product.shelf_life_days
                        else None
                    )
                    lot = Lot(
                        product=product,
                        code=f"{warehouse.code}{received_at:%y%m%d}-{batch + 1}",
                        received_at=received_at,
                        expires_at=expires,
                    )
                    lots.append(lot)
                quantity = rng.randint(1, 4) if low else rng.randint(15, 160)
                location = rng.choice(picking if batch == 0 and index % 3 == 0 else shelves)
                rows.append(
                    {
                        "product": product,
                        "location": location,
                        "lot": lot,
                        "quantity": quantity,
                        "received_at": received_at,
                        "warehouse": warehouse,
                    }
                )
    Lot.objects.bulk_create(lots)

    stock_objects: dict[tuple, Stock] = {}
    receipts: list[tuple[Stock, dict]] = []
    for row in rows:
        key = (row["product"].pk, row["location"].pk, row["lot"].pk if row["lot"] else None, "good")
        stock = stock_objects.get(key)
        if stock is None:
            stock = Stock(
                product=row["product"],
                location=row["location"],
                lot=row["lot"],
                condition="good",
                on_hand=0,
                received_at=row["received_at"],
            )
            stock_objects[key] = stock
        stock.on_hand += row["quantity"]
        stock.received_at = min(stock.received_at, row["received_at"])
        receipts.append((stock, row))

    # A few rows lose part of their stock to damage or quarantine (condition moves).
    regrades: list[tuple[Stock, Stock, int, str]] = []
    for n, (key, source) in enumerate(list(stock_objects.items())):
        if n % 11 != 5 or source.on_hand < 6:
            continue
        condition = "damaged" if n % 2 else "quarantined"
        warehouse_id = source.location.warehouse_id
        target_location = (
            by_kind[(warehouse_id, Location.Kind.QUARANTINE)][0]
            if condition == "quarantined"
            else source.location
        )
        target_key = (key[0], target_location.pk, key[2], condition)
        target = stock_objects.setdefault(
            target_key,
            Stock(
                product=source.product,
                location=target_location,
                lot=source.lot,
                condition=condition,
                on_hand=0,
                received_at=source.received_at,
            ),
        )
        quantity = max(1, source.on_hand // 5)
        source.on_hand -= quantity
        target.on_hand += quantity
        reason = (
            "Packaging crushed in transit" if condition == "damaged" else "Supplier recall check"
        )
        regrades.append((source, target, quantity, reason))

    Stock.objects.bulk_create(stock_objects.values())
    moves = [
        StockMove(
            kind=StockMove.Kind.RECEIVE,
            product=stock.product,
            lot=stock.lot,
            to_stock=stock,
            to_location=stock.location,
            to_condition="good",
            quantity=row["quantity"],
            unit_cost=stock.product.unit_cost,
            reference=f"PO-{row['received_at']:%Y}-DEMO{n:04d}",
            reason="Demo data",
            user=user,
            created_at=row["received_at"],
        )
        for n, (stock, row) in enumerate(receipts)
    ]
    moves += [
        StockMove(
            kind=StockMove.Kind.CONDITION,
            product=source.product,
            lot=source.lot,
            from_stock=source,
            to_stock=target,
            from_location=source.location,
            to_location=target.location,
            from_condition=source.condition,
            to_condition=target.condition,
            quantity=quantity,
            reason=reason,
            user=user,
            created_at=now - timedelta(days=1),
        )
        for source, target, quantity, reason in regrades
    ]
    StockMove.objects.bulk_create(moves, batch_size=2000)
