"""The ETA load benchmarks' database: a fresh `<dev db>_bench_eta` on the same PostgreSQL, and
the rows a day of `--vehicles` vans needs (benchmarks/eta_load.py, benchmarks/eta_first.py).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]


# A Redis database of its own (cache, broker, the engine's log), emptied by `seed`; the other
# benchmarks take theirs from the low numbers up. A sentinel key tells whether anything else
# emptied it during the run (the run is then invalid).
REDIS_DB = 15
SENTINEL_KEY = "bench:eta-load:sentinel"


def bench_env(args) -> dict:
    """The environment of the bench's processes: its own database, Redis database and cache
    prefix, workers that really queue, and no rate limits."""
    redis_db = getattr(args, "redis_db", None) or REDIS_DB
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:54329/waybill")
    parsed = urlparse(base)
    db_name = parsed.path.lstrip("/") + "_bench_eta"
    redis = urlparse(os.environ.get("REDIS_URL", "redis://127.0.0.1:63799/0"))
    return {
        **os.environ,
        "DATABASE_URL": urlunparse(parsed._replace(path="/" + db_name)),
        "REDIS_URL": urlunparse(redis._replace(path=f"/{redis_db}")),
        "CACHE_KEY_PREFIX": "bench-eta-load",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_LEVEL": "WARNING",
        "TRACKING_PAGE_RATE_LIMIT": "100000000/min",
        "API_RATE_LIMIT": "100000/min",
        "EMAIL_URL": "dummymail://",
        "DB_CONN_MAX_AGE": "600",
        "_BENCH_DB": db_name,
        "_BENCH_ADMIN_URL": urlunparse(parsed._replace(path="/postgres")),
    }


def create_database(env) -> None:
    import psycopg2

    conn = psycopg2.connect(env["_BENCH_ADMIN_URL"])
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{env["_BENCH_DB"]}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{env["_BENCH_DB"]}"')
    conn.close()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def seed(env, vehicles: int, stops: int, warm_up: bool = True) -> dict:
    """Rows for the load, through the ORM in this process (pointed at the bench database):
    one depot, a driver with a van, a shift and a route of `stops` stops (orders out for
    delivery) per vehicle on today's published plan, and a session per driver. With `warm_up`
    every route gets its first ETAs here, as the drivers' "start" does; without, the first
    pings do that (cold)."""
    os.environ.update({k: v for k, v in env.items() if not k.startswith("_")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from decimal import Decimal

    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.cache import cache
    from django.utils import timezone

    from inventory.models import Warehouse
    from orders.models import Customer, CustomerOrder
    from routing.models import Driver, Plan, Route, Shift, Stop, Vehicle

    cache.clear()
    cache.set(SENTINEL_KEY, 1, None)
    now = timezone.now()
    depot = Warehouse.objects.create(
        code="BENCH", name="Bench depot", latitude=Decimal("52.52"), longitude=Decimal("13.405")
    )
    today = now.astimezone(depot.tzinfo).date()
    group = Group.objects.get(name="driver")
    users = User.objects.bulk_create(
        [User(username=f"bench-driver-{i}", password="!") for i in range(vehicles)]
    )
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=group.pk) for u in users]
    )
    drivers = Driver.objects.bulk_create([Driver(user=u) for u in users])
    vans = Vehicle.objects.bulk_create(
        [
            Vehicle(
                code=f"B{i:04d}",
                name=f"Bench van {i}",
                depot=depot,
                capacity_weight_kg=800,
                capacity_volume_m3=8,
                capacity_units=200,
            )
            for i in range(vehicles)
        ]
    )
    shifts = Shift.objects.bulk_create(
        [
            Shift(
                driver=d, vehicle=v, date=today, start_time=dt.time(0, 0), end_time=dt.time(23, 59)
            )
            for d, v in zip(drivers, vans, strict=True)
        ]
    )
    plan = Plan.objects.create(
        reference="PLN-BENCH", date=today, status=Plan.Status.PUBLISHED, published_at=now
    )
    plan.depots.add(depot)
    routes = Route.objects.bulk_create(
        [
            Route(
                plan=plan,
                vehicle=v,
                shift=s,
                driver=d,
                sequence=i + 1,
                status="in_progress",
                start_at=now,
                end_at=now + dt.timedelta(hours=8),
            )
            for i, (v, s, d) in enumerate(zip(vans, shifts, drivers, strict=True))
        ]
    )
    # With an e-mail address, as a shop's customers have: the first ETAs' "arriving" entries
    # then send their e-mails (to the dummy backend), as in production.
    customer = Customer.objects.create(name="Bench customer", email="bench@example.com")
    rng = random.Random(7)
    orders = CustomerOrder.objects.bulk_create(
        [
            CustomerOrder(
                reference=f"ORD-BENCH-{i:06d}",
                customer=customer,
                warehouse=depot,
                status="out_for_delivery",
                address="Bench street 1",
                latitude=Decimal(f"{52.45 + rng.random() * 0.15:.6f}"),
                longitude=Decimal(f"{13.30 + rng.random() * 0.25:.6f}"),
                window_start=now,
                window_end=now + dt.timedelta(hours=8),
                tracking_token=secrets.token_urlsafe(24),
            )
            for i in range(vehicles * stops)
        ]
    )
    Stop.objects.bulk_create(
        [
            Stop(
                plan=plan,
                route=routes[i // stops],
                order=order,
                sequence=i % stops + 1,
                planned_arrival=now + dt.timedelta(minutes=20 * (i % stops + 1)),
                planned_start=now + dt.timedelta(minutes=20 * (i % stops + 1)),
                planned_departure=now + dt.timedelta(minutes=20 * (i % stops + 1) + 5),
                window_start=order.window_start,
                window_end=order.window_end,
            )
            for i, order in enumerate(orders)
        ]
    )
    # What the drivers' "start" did in the morning (tracking.services.route_start): the route
    # started (so a ping is on a leg whose beginning is known and the engine works out its pace,
    # `current_leg_pace`), first ETAs and the first stop announced as next. Without it the first
    # pings would pay for 500 "arriving" timeline entries and emails (measured separately:
    # --no-warm-up).
    if warm_up:
        from tracking.models import RouteEta
        from tracking.services import routes_etas_refresh

        ids = [r.pk for r in routes]
        RouteEta.objects.bulk_create(
            [RouteEta(route_id=pk, started_at=now - dt.timedelta(minutes=10)) for pk in ids]
        )
        for k in range(0, len(ids), 250):
            routes_etas_refresh(route_ids=ids[k : k + 250], now=now)
    sessions = []
    for user in users:
        store = SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    return {
        "sessions": sessions,
        "routes": [r.pk for r in routes],
        "tokens": [o.tracking_token for o in orders[:: max(1, len(orders) // 100)]][:100],
        "log_key": cache.make_key("tracking:eta:log"),
    }
