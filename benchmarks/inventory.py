"""Inventory benchmark: reservation throughput on one hot product, and report/page/API times.

Run with the environment of the embedded services (or any PostgreSQL in DATABASE_URL):

    .venv/bin/python benchmarks/inventory.py [--workers 8] [--seconds 10] [--moves 100000]

It creates its own database (`<name>_bench_inventory`) next to the configured one, migrates it,
measures, and drops it again; nothing in the project's database is touched.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
BENCH_SUFFIX = "_bench_inventory"


def _bench_database_url() -> tuple[str, str, str]:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:54329/waybill")
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "waybill"
    bench = name + BENCH_SUFFIX
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    return urlunsplit(parts._replace(path="/" + bench)), admin_url, bench


def _admin_sql(admin_url: str, sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(admin_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--moves", type=int, default=100_000)
    parser.add_argument("--stock-rows", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page")
    args = parser.parse_args()

    bench_url, admin_url, bench_name = _bench_database_url()
    _admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
    _admin_sql(admin_url, f'CREATE DATABASE "{bench_name}"')
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("CACHE_KEY_PREFIX", "bench-inventory")
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.DEBUG = False  # no query log while timing
        print(f"database: {bench_name} (created for this run)")
        call_command("migrate", verbosity=0)
        ok = reservation_benchmark(workers=args.workers, seconds=args.seconds)
        ok &= oversell_check(workers=args.workers)
        ok &= report_benchmark(moves=args.moves, stock_rows=args.stock_rows, repeat=args.repeat)
        return 0 if ok else 1
    finally:
        from django.db import connections

        connections.close_all()
        _admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
        print(f"database {bench_name} dropped")


def _hot_product(sku: str, quantity: int, rows: int = 4):
    from datetime import timedelta

    from django.utils import timezone

    from inventory.models import Location, Product, Warehouse
    from inventory.services import stock_receive

    warehouse, _ = Warehouse.objects.get_or_create(
        code="HOT", defaults={"name": "Hot", "latitude": 52.5, "longitude": 13.4}
    )
    product = Product.objects.create(sku=sku, name="Hot product")
    per_row = quantity // rows
    for index in range(rows):
        location, _ = Location.objects.get_or_create(warehouse=warehouse, code=f"H-{index + 1:02d}")
        stock_receive(
            product=product,
            location=location,
            quantity=per_row,
            lot_code=f"LOT{index}",
            received_at=timezone.now() - timedelta(days=rows - index),
        )
    return product, warehouse


def _run_workers(workers: int, body) -> list:
    from django.db import connections

    barrier = threading.Barrier(workers)
    results: list = [None] * workers

    def run(index):
        try:
            barrier.wait()
            results[index] = body(index)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def reservation_benchmark(*, workers: int, seconds: float) -> bool:
    from core.exceptions import InsufficientStock
    from inventory.models import Product, Reservation, Stock, Warehouse
    from inventory.selectors.integrity import stock_drift
    from inventory.services import stock_reserve

    product, warehouse = _hot_product("HOT-1", quantity=10_000_000)
    deadline = time.perf_counter() + seconds

    def body(index):
        p = Product.objects.get(pk=product.pk)
        w = Warehouse.objects.get(pk=warehouse.pk)
        ok = failed = other = 0
        latencies = []
        n = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                stock_reserve(product=p, warehouse=w, quantity=1, demand_ref=f"B{index}#{n}")
                ok += 1
            except InsufficientStock:
                failed += 1
            except Exception:
                other += 1
            latencies.append(time.perf_counter() - started)
            n += 1
        return ok, failed, other, latencies

    started = time.perf_counter()
    results = _run_workers(workers, body)
    elapsed = time.perf_counter() - started
    ok = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    other = sum(r[2] for r in results)
    latencies = sorted(x for r in results for x in r[3])
    reserved = sum(Stock.objects.filter(product=product).values_list("reserved", flat=True))
    rows = Reservation.objects.filter(product=product).count()
    lost = ok - reserved
    print(
        f"\nreservations, {workers} workers, one hot product, {elapsed:.1f} s:"
        f"\n  {ok / elapsed:,.0f} reservations/s ({ok} ok, {failed} refused wrongly, "
        f"{other} errors, {lost} lost)"
        f"\n  latency p50 {_ms(latencies, 0.5)} ms, p95 {_ms(latencies, 0.95)} ms, "
        f"p99 {_ms(latencies, 0.99)} ms; reserved={reserved}, reservation rows={rows}, "
        f"drift rows={len(stock_drift())}"
    )
    return failed == 0 and other == 0 and lost == 0 and rows == ok


def oversell_check(*, workers: int) -> bool:
    from core.exceptions import InsufficientStock
    from inventory.models import Product, Stock, Warehouse
    from inventory.services import stock_reserve

    product, warehouse = _hot_product("HOT-2", quantity=1_000)
    attempts = 200

    def body(index):
        p = Product.objects.get(pk=product.pk)
        w = Warehouse.objects.get(pk=warehouse.pk)
        ok = refused = other = 0
        for n in range(attempts):
            try:
                stock_reserve(product=p, warehouse=w, quantity=1, demand_ref=f"O{index}#{n}")
                ok += 1
            except InsufficientStock:
                refused += 1
            except Exception:
                other += 1
        return ok, refused, other

    results = _run_workers(workers, body)
    ok = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    other = sum(r[2] for r in results)
    reserved = sum(Stock.objects.filter(product=product).values_list("reserved", flat=True))
    print(
        f"\noversell check: {workers} x {attempts} reservations of 1 against 1,000 units: "
        f"{ok} ok, {refused} refused (409), {other} errors, reserved={reserved}"
    )
    return ok == 1_000 and reserved == 1_000 and other == 0


def _ms(values, q):
    if not values:
        return "-"
    return f"{values[min(len(values) - 1, int(q * len(values)))] * 1000:.1f}"


def _seed_large(*, moves: int, stock_rows: int) -> None:
    """Bulk-insert `stock_rows` rows and `moves` receipt rows that add up to their on_hand."""
    import random
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from inventory.models import Location, Lot, Product, Stock, StockMove, Warehouse

    rng = random.Random(1)
    now = timezone.now()
    warehouses = [
        Warehouse.objects.get_or_create(
            code=code, defaults={"name": code, "latitude": 52.0, "longitude": 10.0}
        )[0]
        for code in ("BIGA", "BIGB")
    ]
    locations = Location.objects.bulk_create(
        [Location(warehouse=w, code=f"S-{i:03d}") for w in warehouses for i in range(1, 26)]
    )
    product_count = max(1, stock_rows // 10)
    products = Product.objects.bulk_create(
        [
            Product(
                sku=f"BIG-{i:05d}",
                name=f"Bulk product {i}",
                unit_cost=Decimal(rng.randint(100, 9000)) / 100,
                reorder_point=rng.choice([0, 50, 500]),
                shelf_life_days=180 if i % 5 == 0 else None,
            )
            for i in range(product_count)
        ]
    )
    lots = []
    stock = []
    for index in range(stock_rows):
        product = products[index % product_count]
        received = now - timedelta(days=rng.randint(0, 400))
        lot = None
        if product.shelf_life_days:
            lot = Lot(
                product=product,
                code=f"L{index}",
                received_at=received,
                expires_at=(received + timedelta(days=180)).date(),
            )
            lots.append(lot)
        stock.append(
            Stock(
                product=product,
                location=locations[(index // product_count) % len(locations)],
                lot=lot,
                condition=rng.choice(["good"] * 8 + ["damaged", "quarantined"]),
                on_hand=0,
                received_at=received,
            )
        )
    Lot.objects.bulk_create(lots)
    per_row = moves // stock_rows
    ledger = []
    for index, row in enumerate(stock):
        count = per_row + (1 if index < moves - per_row * stock_rows else 0)
        for n in range(count):
            quantity = rng.randint(1, 20)
            row.on_hand += quantity
            ledger.append((row, quantity, row.received_at + timedelta(hours=n)))
    Stock.objects.bulk_create(stock, batch_size=2000)
    StockMove.objects.bulk_create(
        [
            StockMove(
                kind="receive",
                product_id=row.product_id,
                lot=row.lot,
                to_stock=row,
                to_location_id=row.location_id,
                to_condition=row.condition,
                quantity=quantity,
                reference=f"PO-BENCH-{i}",
                created_at=at,
            )
            for i, (row, quantity, at) in enumerate(ledger)
        ],
        batch_size=5000,
    )


def report_benchmark(*, moves: int, stock_rows: int, repeat: int) -> bool:
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from core.roles import Role
    from inventory.models import Product, Stock, StockMove
    from inventory.reports import REPORTS

    started = time.perf_counter()
    _seed_large(moves=moves, stock_rows=stock_rows)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"\nreport data: {StockMove.objects.count():,} ledger rows, {Stock.objects.count():,} "
        f"stock rows, {Product.objects.count():,} products (seeded in "
        f"{time.perf_counter() - started:.1f} s)"
    )
    user = User.objects.create_user("bench", password="x")
    user.groups.add(Group.objects.get(name=Role.WAREHOUSE))
    client = Client()
    client.force_login(user)
    sku = Product.objects.order_by("sku").values_list("sku", flat=True)[3]
    urls = [f"/inventory/reports/{slug}/" for slug in REPORTS]
    urls += [
        "/inventory/reports/history/?product=" + sku,
        "/inventory/reports/aging/?warehouse=BIGA&bucket=%3E180",
        "/inventory/",
        "/inventory/?low=1",
        f"/inventory/products/{sku}/",
        "/inventory/warehouses/BIGA/",
    ]
    urls += [f"/api/v1/inventory/reports/{slug}/" for slug in REPORTS]
    urls += ["/api/v1/stock/?warehouse=BIGA", "/api/v1/stock-moves/?product=" + sku]
    worst = 0.0
    print(f"\npage / API times (median of {repeat}, after one warm-up; target < 200 ms):")
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            print(f"  {url}: HTTP {response.status_code}")
            worst = float("inf")
            continue
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - t0) * 1000)
        median = statistics.median(times)
        worst = max(worst, median)
        flag = "" if median < 200 else "  <-- over target"
        print(f"  {median:7.1f} ms  {url}{flag}")
    for slug in ("stock", "history"):
        t0 = time.perf_counter()
        response = client.get(f"/inventory/reports/{slug}/?format=csv")
        size = len(b"".join(response.streaming_content))
        print(
            f"  CSV export {slug}: {(time.perf_counter() - t0) * 1000:.0f} ms, "
            f"{size / 1024:.0f} KiB"
        )
    print(f"\nslowest page median: {worst:.1f} ms")
    return worst < 200


if __name__ == "__main__":
    sys.exit(main())
