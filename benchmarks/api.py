"""Partner API read throughput beside `/healthz`, in one run against one gunicorn.

    .venv/bin/python benchmarks/api.py [--seconds 10] [--connections 8] [--workers 2] [--threads 4]

Production-style server: gunicorn `config.wsgi` with `DEBUG=0`, 2 workers x 4 threads. Load
from `wrk` (8 connections, keep-alive; `apt-get install wrk`), or from a Python keep-alive
client when wrk is missing (it costs far more CPU per request, so its absolute numbers are
lower, the shares less so). Each endpoint is loaded alone for `--seconds`; `/healthz` is
measured first and last and its mean is the reference, so the shares survive the machine
being shared (read them, not the absolute req/s). Every partner read (list at its default
page size and detail) goes through API-key auth and the Redis throttle; the tracking page is
the customer's `/t/<token>/`.

Before each endpoint is measured it is loaded for `--warmup` seconds at the same concurrency and
thrown away, so every thread of every worker has opened its database connection and served the
endpoint, as in a server that has been running (sequential requests warmed one thread). The
table's `CPU ms/req` is the gunicorn workers' own CPU time (user + system, from /proc) over the
measured run divided by the answers: the cost per request without PostgreSQL and Redis, which
does not depend on how busy the machine is.

Uses DATABASE_URL (default: the embedded PostgreSQL, database `waybill_bench`, created,
migrated and loaded with the demo data when empty) and REDIS_URL.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (label, path template, kind); kind sets the target share of /healthz's throughput.
TARGETS = {"detail": 0.12, "list": 0.06, "page": 0.50, "reference": None}
ENDPOINTS = [
    ("me", "/api/v1/me/", "detail"),
    ("products", "/api/v1/products/", "list"),
    ("product", "/api/v1/products/{sku}/", "detail"),
    ("warehouses", "/api/v1/warehouses/", "list"),
    ("warehouse", "/api/v1/warehouses/{warehouse}/", "detail"),
    ("locations", "/api/v1/locations/", "list"),
    ("location", "/api/v1/locations/{location}/", "detail"),
    ("stock", "/api/v1/stock/", "list"),
    ("orders", "/api/v1/orders/", "list"),
    ("order", "/api/v1/orders/{order}/", "detail"),
    ("returns", "/api/v1/returns/", "list"),
    ("return", "/api/v1/returns/{ret}/", "detail"),
    ("api-keys", "/api/v1/api-keys/", "list"),
    ("api-key", "/api/v1/api-keys/{key}/", "detail"),
    ("webhook-endpoints", "/api/v1/webhook-endpoints/", "list"),
    ("webhook-endpoint", "/api/v1/webhook-endpoints/{endpoint}/", "detail"),
    ("webhook-deliveries", "/api/v1/webhook-deliveries/", "list"),
    ("webhook-delivery", "/api/v1/webhook-deliveries/{delivery}/", "detail"),
    ("tracking page", "/t/{token}/", "page"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(url: str) -> None:
    import psycopg2

    base, name = url.rsplit("/", 1)
    conn = psycopg2.connect(f"{base}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    # DEBUG=0 serves hashed static names from the manifest, as in production.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True
    )


def seed() -> dict[str, str]:
    """The demo data (loaded when missing), one bench key and a webhook endpoint with
    deliveries for the demo partner; returns the ids the paths need."""
    import django

    django.setup()
    from inventory.models import Location
    from orders.models import CustomerOrder, Return
    from partners.models import ApiKey, Partner, WebhookDelivery
    from partners.services.api_keys import api_key_create
    from partners.services.webhooks.delivery import webhook_endpoint_send_test
    from partners.services.webhooks.endpoints import webhook_endpoint_create

    partner = Partner.objects.filter(memberships__isnull=False).order_by("pk").first()
    if partner is None or not CustomerOrder.objects.filter(partner=partner).exists():
        subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, check=True)
        partner = Partner.objects.filter(memberships__isnull=False).order_by("pk").first()
    key, raw = api_key_create(partner=partner, name="bench", scopes=list(ApiKey.Scope.values))
    endpoint = partner.webhook_endpoints.order_by("pk").first()
    if endpoint is None:
        endpoint, _ = webhook_endpoint_create(partner=partner, url="https://hooks.example.com/b")
    deliveries = WebhookDelivery.objects.filter(endpoint__partner=partner)
    for _ in range(max(0, 60 - deliveries.count())):
        webhook_endpoint_send_test(endpoint=endpoint)
    order = CustomerOrder.objects.filter(partner=partner).order_by("-pk").first()
    ret = Return.objects.filter(order__partner=partner).order_by("-pk").first()
    line = order.lines.select_related("product").first()
    location = Location.objects.filter(warehouse=order.warehouse).order_by("pk").first()
    return {
        "raw": raw,
        "sku": line.product.sku,
        "warehouse": order.warehouse.code,
        "location": str(location.pk),
        "order": order.reference,
        "ret": ret.reference if ret else "none",
        "key": key.prefix,
        "endpoint": str(endpoint.public_id),
        "delivery": deliveries.order_by("pk").first().msg_id,
        "token": order.tracking_token,
    }


def wrk_run(url: str, *, raw: str, seconds: float, connections: int) -> tuple[float, float, int]:
    """(req/s, p99 ms, answers) from wrk; non-2xx answers count as a failed run."""
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds:g}s", "--latency",
         "-H", f"Authorization: Bearer {raw}", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    if "Non-2xx" in out:
        raise SystemExit(f"{url}: non-2xx answers\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    answers = int(re.search(r"(\d+) requests in", out).group(1))
    return rps, p99, answers


def python_run(url: str, *, raw: str, seconds: float, connections: int) -> tuple[float, float, int]:
    samples: list[float] = []
    failures: list[int] = []
    stop = time.monotonic() + seconds

    def client() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {raw}"
        while time.monotonic() < stop:
            started = time.perf_counter()
            response = session.get(url, timeout=10)
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                failures.append(response.status_code)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"{url}: answers {sorted(set(failures))}")
    return len(samples) / seconds, statistics.quantiles(samples, n=100)[98], len(samples)


def workers_cpu_s(server_pid: int) -> float:
    """User + system CPU seconds of the server's worker processes so far."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # (a worker that just restarted)
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=1, help="seconds of load thrown away")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--only", default="", help="comma-separated labels to measure")
    args = parser.parse_args()
    load_before = os.getloadavg()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:54329/waybill_bench")
    os.environ["WEBHOOKS_ALLOW_PRIVATE_TARGETS"] = "1"
    os.environ["API_RATE_LIMIT"] = "100000000/min"  # measure the limiter's cost, not refusals
    os.environ["TRACKING_PAGE_RATE_LIMIT"] = "100000000/min"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    prepare_database(os.environ["DATABASE_URL"])
    ids = seed()
    raw = ids.pop("raw")
    run = wrk_run if shutil.which("wrk") else python_run
    only = {s.strip() for s in args.only.split(",") if s.strip()}

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", str(args.workers), "--threads", str(args.threads), "--log-level", "warning"],
        cwd=ROOT, env=os.environ.copy(), stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise SystemExit("gunicorn exited; run it by hand to see why")
            try:
                requests.get(f"{base}/healthz", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        endpoints = [e for e in ENDPOINTS if not only or e[0] in only]
        plan = [
            ("/healthz", "/healthz", "reference"),
            *endpoints,
            ("/healthz", "/healthz", "reference"),
        ]
        for label, template, kind in plan:
            url = base + template.format(**ids)
            statuses = set()
            for _ in range(3):
                r = requests.get(url, headers={"Authorization": f"Bearer {raw}"}, timeout=10)
                statuses.add(r.status_code)
            if statuses != {200}:
                # Reported in the table, not measured: an error page's speed means nothing.
                print(f"{url}: answers {sorted(statuses)}: {r.text[:200]}", file=sys.stderr)
                rows.append((label, template, kind, 0.0, float("nan"), float("nan")))
                continue
            if args.warmup > 0:
                run(url, raw=raw, seconds=args.warmup, connections=args.connections)
            cpu_before = workers_cpu_s(server.pid)
            rps, p99, answers = run(
                url, raw=raw, seconds=args.seconds, connections=args.connections
            )
            cpu_ms = (workers_cpu_s(server.pid) - cpu_before) * 1000 / max(answers, 1)
            rows.append((label, template, kind, rps, p99, cpu_ms))
            print(
                f"{template:45s} {rps:8.0f} req/s  p99 {p99:5.0f} ms  CPU {cpu_ms:5.2f} ms/req",
                file=sys.stderr,
            )
    finally:
        server.terminate()
        server.wait(timeout=20)

    reference = statistics.mean(r[3] for r in rows if r[2] == "reference") or 1.0
    load = os.getloadavg()
    print(
        f"gunicorn {args.workers} workers x {args.threads} threads, {args.connections} "
        f"connections, {args.seconds:g} s each, load {'wrk' if run is wrk_run else 'python'}; "
        f"load average before {load_before[0]:.1f}, after {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    print("| endpoint | kind | req/s | p99 ms | CPU ms/req | share of /healthz | target | met |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for _label, template, kind, rps, p99, cpu_ms in rows:
        share = rps / reference
        target = TARGETS[kind]
        met = "" if target is None else ("yes" if share >= target and p99 <= 60 else "no")
        if rps == 0:
            met = "error"
        target_text = "" if target is None else f"{target:.0%}"
        print(
            f"| `{template}` | {kind} | {rps:,.0f} | {p99:.0f} | {cpu_ms:.2f} | {share:.1%} "
            f"| {target_text} "
            f"| {met} |"
        )


if __name__ == "__main__":
    main()
