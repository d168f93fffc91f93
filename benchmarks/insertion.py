"""Same-day insertion benchmark: server time to preview and to insert one order into a 30-stop
live route.

    .venv/bin/python benchmarks/insertion.py [--stops 30] [--delivered 5] [--repeat 40]

It creates its own database (`<name>_bench_insert`), migrates it, builds a live day (one
published route of `--stops` stops that left at 08:00 with its first `--delivered` done, the
van pinging on its way, ETAs computed, the clock at 11:00) and a packed order to put in, then
times, `--repeat` times each, in this process (no network):

1. `preview`: routing's `insertion_check` with tracking's ETAs before and after (what the API's
   `dry_run` and the board's dialog compute for one route);
2. `api dry_run`: `POST /api/v1/routes/{id}/insert/` with `dry_run` through Django's test
   client (the whole request: auth, parsing, preview, rendering);
3. `insert`: `order_insert` (the check again under the plan's lock, the stop written, the route
   re-timed, the order planned, the override noted), rolled back after each run so every run
   starts from the same route;
4. `board dialog`: the board's "Insert into route…" dialog for the order (every live route of
   the depot checked, the best ones previewed with ETAs).

`/readyz` (it asks the database and the cache) is timed before and after as the reference
for how busy the shared machine was. Prints median and p95 of the wall time and of this
process's CPU time, in milliseconds. Target: preview and insert each at most 300 ms of server
time. The database is dropped at the end; nothing in the project's database is touched.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
BENCH_SUFFIX = "_bench_insert"


def _database_urls() -> tuple[str, str, str]:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:54329/waybill")
    parts = urlsplit(url)
    bench = (parts.path.lstrip("/") or "waybill") + BENCH_SUFFIX
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    return urlunsplit(parts._replace(path="/" + bench)), admin_url, bench


def _admin_sql(admin_url: str, sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(admin_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


class _Rollback(Exception):
    pass


def _times(fn, repeat: int) -> list[tuple[float, float]]:
    """(wall ms, this process's CPU ms) per run: the wall time includes waiting for the
    database, which other work on a shared machine slows down; the CPU time is the server's
    own work."""
    out = []
    for _ in range(repeat):
        cpu, started = time.process_time(), time.perf_counter()
        fn()
        out.append(((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000))
    return out


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _report(name: str, runs: list[tuple[float, float]]) -> None:
    wall, cpu = [w for w, _ in runs], [c for _, c in runs]
    print(
        f"{name:<14} wall median {statistics.median(wall):6.1f} ms  p95 {_p95(wall):6.1f} ms"
        f"   CPU median {statistics.median(cpu):6.1f} ms  p95 {_p95(cpu):6.1f} ms   n={len(runs)}"
    )


def _build(stops: int, delivered: int):
    from django.contrib.auth.models import Group

    from core.roles import Role
    from orders.models import OrderStatus
    from tests.conftest import make_user
    from tests.dispatch.scenario import build_day
    from tests.dispatch.scene import make_live
    from tests.factories import CustomerOrderFactory, OrderLineFactory

    for role in Role.values:
        Group.objects.get_or_create(name=role)
    day = build_day(routes=1, stops=stops, now_hour=11.0, delivered=delivered)
    make_live(day)
    lat, lon = day.point(0, 2.2 + 1.25 * (delivered + 2) + 0.4)
    order = CustomerOrderFactory(
        reference=f"ORD-{day.day.year}-777001",
        warehouse=day.depot,
        status=OrderStatus.PACKED,
        latitude=Decimal(str(lat)),
        longitude=Decimal(str(lon)),
        window_start=day.at(11),
        window_end=day.at(19),
        service_time_s=300,
    )
    OrderLineFactory(order=order, product=day.product, quantity=1)
    user = make_user(Role.DISPATCHER, username="bench-insert", password=None)
    return day, order, user


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stops", type=int, default=30)
    parser.add_argument("--delivered", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()

    bench_url, admin_url, bench_name = _database_urls()
    _admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
    _admin_sql(admin_url, f'CREATE DATABASE "{bench_name}"')
    os.environ["DATABASE_URL"] = bench_url
    os.environ["CACHE_KEY_PREFIX"] = f"bench-insert-{os.getpid()}"
    os.environ["EMAIL_URL"] = "dummymail://"
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import transaction
        from django.test import Client

        from config.celery import app as celery_app
        from dispatch.selectors.insertion import insertion_options
        from routing.services.insertion import insertion_check, order_insert

        celery_app.conf.task_always_eager = True
        settings.DEBUG = False
        settings.ALLOWED_HOSTS = ["*"]
        print(f"database: {bench_name} (created for this run)")
        call_command("migrate", verbosity=0)
        day, order, user = _build(args.stops, args.delivered)
        route = day.routes[0]
        preview = insertion_check(route=route, order=order, now=day.now)
        print(
            f"route: {args.stops} stops, {args.delivered} done; the order fits as stop "
            f"{preview.position} (+{preview.added_distance_m} m, +{preview.added_duration_s} s, "
            f"+{preview.added_cost} {preview.currency}; "
            f"{len(preview.overtaken)} orders out for delivery overtaken)"
        )

        def do_preview():
            insertion_check(route=route, order=order, now=day.now)

        client = Client()
        client.force_login(user)
        url = f"/api/v1/routes/{route.pk}/insert/"

        def do_api():
            response = client.post(
                url, {"order": order.reference, "dry_run": True}, content_type="application/json"
            )
            assert response.status_code == 200, response.content

        def do_insert():
            try:
                with transaction.atomic():
                    order_insert(
                        route=route,
                        order=order,
                        override=True,
                        reason="benchmark",
                        user=user,
                        now=day.now,
                    )
                    raise _Rollback
            except _Rollback:
                pass

        def do_dialog():
            insertion_options(order=order, day=day.day, now=day.now)

        def do_healthz():
            assert client.get("/readyz").status_code == 200

        for fn in (do_preview, do_api, do_insert, do_dialog, do_healthz):  # warm caches
            fn()
        # The machine is shared: a cheap request that asks the database, measured in the same
        # run, tells how loaded it was.
        _report("readyz (ref)", _times(do_healthz, args.repeat))
        _report("preview", _times(do_preview, args.repeat))
        _report("api dry_run", _times(do_api, args.repeat))
        _report("insert", _times(do_insert, args.repeat))
        _report("board dialog", _times(do_dialog, args.repeat))
        _report("readyz (ref)", _times(do_healthz, args.repeat))
    finally:
        from django.db import connections

        connections.close_all()
        _admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
