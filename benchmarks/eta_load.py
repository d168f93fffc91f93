"""ETA load benchmark: vehicles pinging through the API against a real server and worker.

    .venv/bin/python benchmarks/eta_load.py                  # 500 vehicles x 10 s for 2 min
    .venv/bin/python benchmarks/eta_load.py --duration 20    # a quick run
    .venv/bin/python benchmarks/eta_load.py --json           # one JSON object
    .venv/bin/python benchmarks/eta_first.py                 # the first-ETA tick alone

What it does (everything on loopback, nothing shared with the dev database or queue):

1. creates a fresh database `<dev db>_bench_eta` on the same PostgreSQL, migrates it, and seeds
   one depot, `--vehicles` drivers with vans, a published plan for today with one route of
   `--stops` stops per van, and a logged-in session per driver;
   then computes every route's first ETAs, as the drivers' "start" does (`--no-warm-up` leaves
   that to the first pings: 500 "arriving" timeline entries and emails at once);
2. starts gunicorn (`--web-workers` processes x `--web-threads`; one process per core cost the
   least CPU per request here) and a Celery worker (`--worker-concurrency`) on that database
   and Redis database 5;
3. every van POSTs a ping to /api/v1/pings/ every `--interval` seconds (starts spread evenly)
   for `--duration` seconds, from `--ping-clients` processes; reports ingestion latency
   p50/p99 and checks that every ping answered 201 and is in the database ("lost" = sent -
   stored);
4. ping → ETA lag: the ETA engine (one `eta_tick` task recomputes every route with new pings)
   appends (route, newest ping used, finished at) to a Redis list for every route recomputed;
   for each ping, the lag is the first recompute of its route that used it (or a newer one)
   minus the moment the ping was sent; p50/p99 and how many never got one;
5. the tracking page from cache: after the ping phase, `--page-clients` processes request 100
   warm pages with keep-alive for `--page-seconds`; requests/s and p99.

The client shares the machine's cores with the server (and here with other engineers' work),
so the figures are a floor. To tell our cost from the client's and the neighbours', the load
runs in separate client processes (`--ping-clients`, `--page-clients`) whose CPU is reported,
next to the CPU of the web server, the Celery worker and the PostgreSQL backends of the bench
database, and how many cores everything else on the machine kept busy meanwhile.
`page_server_rps_per_core` is what the web server would serve per core if CPU were all it
needed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing
import os
import random
import secrets
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pct(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def bench_env(args) -> dict:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:54329/waybill")
    parsed = urlparse(base)
    db_name = parsed.path.lstrip("/") + "_bench_eta"
    redis = urlparse(os.environ.get("REDIS_URL", "redis://127.0.0.1:63799/0"))
    return {
        **os.environ,
        "DATABASE_URL": urlunparse(parsed._replace(path="/" + db_name)),
        "REDIS_URL": urlunparse(redis._replace(path="/5")),
        "CACHE_KEY_PREFIX": "bench-eta",
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
    """Rows for the load, through the ORM in this process (pointed at the bench database)."""
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
    customer = Customer.objects.create(name="Bench customer")
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
    # What the drivers' "start" did in the morning (tracking.services.route_start): first ETAs
    # and the first stop announced as next. Without it the first pings would pay for 500
    # "arriving" timeline entries and emails (measured separately: --no-warm-up).
    if warm_up:
        from tracking.services import routes_etas_refresh

        ids = [r.pk for r in routes]
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


def wait_for(port: int, path: str = "/healthz", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the server did not start")


class PingClient:
    """One keep-alive connection per thread."""

    local = threading.local()

    def __init__(self, port: int):
        self.port = port

    def post(self, session: str, csrf: str, body: bytes) -> int:
        headers = {
            "Content-Type": "application/json",
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
        }
        # gunicorn closes keep-alive connections idle for 2 s; a request that finds its
        # connection closed is sent again on a new one (pings are idempotent: same vehicle and
        # time are stored once), as a phone's HTTP stack would.
        for attempt in range(2):
            conn = getattr(self.local, "conn", None)
            fresh = conn is None
            if fresh:
                conn = self.local.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=30
                )
            try:
                conn.request("POST", "/api/v1/pings/", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                return response.status
            except (OSError, http.client.HTTPException):
                self.local.conn = None
                conn.close()
                if fresh or attempt:
                    return 0
        return 0


def ping_client(port: int, data: dict, indexes: list[int], args, start: float, out) -> None:
    """One client process: its share of the vans, on its own thread pool. Puts (results,
    CPU seconds used by this process)."""
    client = PingClient(port)
    csrf = secrets.token_hex(16)  # a 32-character secret: valid as cookie and header
    vehicles = len(data["sessions"])
    rng = random.Random(11 + indexes[0])
    results: list[tuple] = []
    lock = threading.Lock()
    cpu0 = time.process_time()

    def send(index: int):
        route_id = data["routes"][index]
        at = dt.datetime.now(dt.UTC)
        at = at.replace(microsecond=at.microsecond // 1000 * 1000)  # the log keeps milliseconds
        lat, lon = 52.45 + rng.random() * 0.15, 13.30 + rng.random() * 0.25
        body = json.dumps(
            {
                "pings": [
                    {"time": at.isoformat(), "latitude": lat, "longitude": lon, "speed_kmh": 25}
                ]
            }
        ).encode()
        sent = time.time()
        status = client.post(data["sessions"][index], csrf, body)
        took = time.time() - sent
        with lock:
            results.append((route_id, at.timestamp(), sent, took, status))

    schedule = sorted(
        (start + (i * args.interval / vehicles) + k * args.interval, i)
        for i in indexes
        for k in range(int(args.duration / args.interval))
    )
    threads = max(1, args.client_threads // args.ping_clients)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for at, index in schedule:
            delay = at - time.time()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, index)
    late = max(0.0, time.time() - schedule[-1][0]) if schedule else 0.0
    out.put((results, time.process_time() - cpu0, late))


def ping_phase(port: int, data: dict, args) -> dict:
    vehicles = len(data["sessions"])
    start = time.time() + 2
    queue = multiprocessing.Queue()
    shares = [list(range(vehicles))[k :: args.ping_clients] for k in range(args.ping_clients)]
    procs = [
        multiprocessing.Process(target=ping_client, args=(port, data, share, args, start, queue))
        for share in shares
        if share
    ]
    for p in procs:
        p.start()
    parts = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    return {
        "results": [r for part, _, _ in parts for r in part],
        "client_cpu_s": sum(cpu for _, cpu, _ in parts),
        "late_start_s": max(late for _, _, late in parts),
    }


# --- CPU accounting: what the server side used, apart from the load client -------------------

TICK = os.sysconf("SC_CLK_TCK")


def _procs() -> list[tuple[int, int, float, str]]:
    """(pid, ppid, CPU seconds, command line) of every process."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out.append((int(entry), int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK, cmd))
    return out


def cpu_snapshot(roots: dict[str, int], db_name: str) -> dict[str, float]:
    """CPU seconds so far of each named process tree (root pid and descendants) and of the
    PostgreSQL backends serving `db_name` (live ones: the server keeps its connections)."""
    procs = _procs()
    children: dict[int, list[int]] = {}
    cpu = {}
    for pid, ppid, seconds, _cmd in procs:
        children.setdefault(ppid, []).append(pid)
        cpu[pid] = seconds
    totals = {}
    for name, root in roots.items():
        todo, total = [root], 0.0
        while todo:
            pid = todo.pop()
            total += cpu.get(pid, 0.0)
            todo.extend(children.get(pid, []))
        totals[name] = total
    totals["postgres"] = sum(s for _, _, s, cmd in procs if f" {db_name} " in f" {cmd} ")
    return totals


def machine_busy_s() -> float:
    """CPU seconds all cores spent busy (not idle or waiting on I/O) since boot."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICK


def cpu_delta(before: dict, after: dict) -> dict[str, float]:
    return {k: round(after[k] - before.get(k, 0.0), 2) for k in after}


def page_worker(port: int, tokens: list[str], seconds: float, out) -> None:
    cpu0 = time.process_time()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, errors = [], 0
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        token = tokens[i % len(tokens)]
        i += 1
        t0 = time.perf_counter()
        try:
            conn.request("GET", f"/t/{token}/")
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            ok = False
        latencies.append(time.perf_counter() - t0)
        errors += not ok
    out.put((latencies, errors, time.process_time() - cpu0))


def page_phase(port: int, tokens: list[str], args) -> dict:
    for token in tokens:  # warm the cache
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", f"/t/{token}/")
        conn.getresponse().read()
    queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=page_worker, args=(port, tokens, args.page_seconds, queue))
        for _ in range(args.page_clients)
    ]
    t0 = time.monotonic()
    for p in procs:
        p.start()
    parts = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.monotonic() - t0
    latencies = [x for part, _, _ in parts for x in part]
    errors = sum(e for _, e, _ in parts)
    return {
        "page_client_cpu_s": round(sum(cpu for _, _, cpu in parts), 2),
        "page_requests": len(latencies),
        "page_errors": errors,
        "page_rps": round(len(latencies) / elapsed, 1),
        "page_p50_ms": round(pct(latencies, 50) * 1000, 2),
        "page_p99_ms": round(pct(latencies, 99) * 1000, 2),
    }


def lags(results, log: list[bytes]) -> tuple[list[float], int]:
    by_route: dict[int, list[tuple[float, float]]] = {}
    for raw in log:
        route, ping_stamp, wall, _computed = raw.decode().split()
        by_route.setdefault(int(route), []).append((float(ping_stamp), float(wall)))
    out, missing = [], 0
    for route_id, ping_stamp, sent, _took, status in results:
        if status != 201:
            continue
        done = [w for p, w in by_route.get(route_id, []) if p >= round(ping_stamp, 3) - 0.0005]
        if not done:
            missing += 1
            continue
        out.append(max(0.0, min(done) - sent))
    return out, missing


def measure_pings(args, env, data, roots) -> dict:
    """The ping phase and its figures (ingestion, ping → ETA lag, CPU by process)."""
    cpu0, busy0, t0 = cpu_snapshot(roots, env["_BENCH_DB"]), machine_busy_s(), time.monotonic()
    phase = ping_phase(args.port, data, args)
    results = phase["results"]
    time.sleep(args.interval + 5)  # trailing recomputes and the queue drain
    ping_cpu = cpu_delta(cpu0, cpu_snapshot(roots, env["_BENCH_DB"]))
    ping_busy, ping_wall = machine_busy_s() - busy0, time.monotonic() - t0
    from django.core.cache import cache
    from django.db import connection

    client = cache._cache.get_client(write=True)
    log = client.lrange(data["log_key"], 0, -1)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM tracking_positionping")
        stored = cur.fetchone()[0]
    ok = [r for r in results if r[4] == 201]
    lag, missing = lags(results, log)
    ingest = [r[3] for r in ok]
    figures = {
        "interval_s": args.interval,
        "duration_s": args.duration,
        "pings_sent": len(results),
        "pings_201": len(ok),
        "pings_stored": stored,
        "pings_lost": len(results) - stored,
        "ping_rps": round(len(results) / args.duration, 1),
        "ingest_p50_ms": round(pct(ingest, 50) * 1000, 1) if ingest else None,
        "ingest_p99_ms": round(pct(ingest, 99) * 1000, 1) if ingest else None,
        "eta_recomputes": len(log),
        "eta_lag_p50_s": round(pct(lag, 50), 2) if lag else None,
        "eta_lag_p99_s": round(pct(lag, 99), 2) if lag else None,
        "eta_lag_max_s": round(max(lag), 2) if lag else None,
        "pings_without_eta": missing,
        "client_late_start_s": round(phase["late_start_s"], 2),
    }
    sent = max(1, len(results))
    ours = sum(ping_cpu.values()) + phase["client_cpu_s"]
    figures.update(
        {
            "ping_client_cpu_s": round(phase["client_cpu_s"], 2),
            "ping_server_cpu_s": ping_cpu,
            "ping_server_cpu_ms_per_ping": {
                k: round(1000 * v / sent, 2) for k, v in ping_cpu.items()
            },
            "ping_phase_machine_busy_cores": round(ping_busy / ping_wall, 2),
            "ping_phase_others_cores": round(max(0.0, ping_busy - ours) / ping_wall, 2),
        }
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vehicles", type=int, default=500)
    parser.add_argument("--interval", type=float, default=10)
    parser.add_argument("--duration", type=float, default=120)
    parser.add_argument("--stops", type=int, default=10)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--client-threads", type=int, default=24)
    parser.add_argument("--ping-clients", type=int, default=2, help="client processes")
    parser.add_argument("--page-clients", type=int, default=3)
    parser.add_argument("--page-seconds", type=float, default=10)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--page-only", action="store_true", help="skip the ping phase")
    parser.add_argument(
        "--no-warm-up",
        action="store_true",
        help="skip the first ETA computation at seed time (pings then trigger the first one)",
    )
    args = parser.parse_args()

    env = bench_env(args)
    create_database(env)
    data = seed(env, args.vehicles, args.stops, warm_up=not args.no_warm_up)
    server_env = {k: v for k, v in env.items() if not k.startswith("_")}
    logs = Path("/tmp") / f"eta_load_{os.getpid()}"
    logs.mkdir(exist_ok=True)
    web = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{args.port}",
         "-w", str(args.web_workers), "--threads", str(args.web_threads), "--log-level", "warning"],
        cwd=ROOT, env=server_env, stdout=open(logs / "web.log", "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-c",
         str(args.worker_concurrency), "--loglevel", "WARNING", "--without-gossip",
         "--without-mingle", "--hostname", f"bench-eta-{os.getpid()}@%h"],
        cwd=ROOT, env=server_env, stdout=open(logs / "worker.log", "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
    )  # fmt: skip
    try:
        wait_for(args.port)
        time.sleep(3)  # let the worker connect
        roots = {"web": web.pid, "worker": worker.pid}
        figures = {"vehicles": args.vehicles}
        if not args.page_only:
            figures.update(measure_pings(args, env, data, roots))
        cpu0, busy0, t0 = cpu_snapshot(roots, env["_BENCH_DB"]), machine_busy_s(), time.monotonic()
        page = page_phase(args.port, data["tokens"], args)
        page_cpu = cpu_delta(cpu0, cpu_snapshot(roots, env["_BENCH_DB"]))
        page_busy, page_wall = machine_busy_s() - busy0, time.monotonic() - t0
        served = max(1, page["page_requests"])
        figures.update(page)
        figures.update(
            {
                "page_server_cpu_ms_per_request": round(1000 * page_cpu["web"] / served, 3),
                "page_client_cpu_ms_per_request": round(
                    1000 * page["page_client_cpu_s"] / served, 3
                ),
                # What the server alone could serve per core (CPU-bound, no client, no others).
                "page_server_rps_per_core": round(served / max(page_cpu["web"], 1e-9)),
                "page_phase_machine_busy_cores": round(page_busy / page_wall, 2),
                "page_phase_others_cores": round(
                    max(0.0, page_busy - page_cpu["web"] - page_cpu["worker"]
                        - page_cpu["postgres"] - page["page_client_cpu_s"]) / page_wall,
                    2,
                ),
            }
        )  # fmt: skip
        figures["load_average_1m"] = os.getloadavg()[0]
    finally:
        for proc in (web, worker):
            proc.terminate()
        for proc in (web, worker):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    if args.json:
        print(json.dumps(figures))
        return
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print(f"(server logs in {logs})")


if __name__ == "__main__":
    main()
