"""API read latency: p50/p95/p99 at 8 concurrent clients against gunicorn on loopback.

    .venv/bin/python benchmarks/api.py [--seconds 20] [--clients 8] [--workers 2]

Uses DATABASE_URL (default: the embedded PostgreSQL, database `waybill_bench`, created and
migrated if missing) and REDIS_URL. Seeds one partner with a key, two webhook endpoints and 200
deliveries, then reads `/api/v1/me/`, `/api/v1/webhook-deliveries/` and one delivery's detail
in a loop from keep-alive sessions. Every request goes through API-key auth, the Redis throttle
and the RateLimit headers. Prints one line per endpoint and a total.
"""

from __future__ import annotations

import argparse
import os
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


def seed() -> tuple[str, str]:
    import django

    django.setup()
    from partners.models import ApiKey, Partner
    from partners.services.api_keys import api_key_create
    from partners.services.webhooks.delivery import webhook_endpoint_send_test
    from partners.services.webhooks.endpoints import webhook_endpoint_create

    partner, _ = Partner.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    _key, raw = api_key_create(partner=partner, name="bench", scopes=list(ApiKey.Scope.values))
    if not partner.webhook_endpoints.exists():
        for n in range(2):
            endpoint, _ = webhook_endpoint_create(
                partner=partner, url=f"https://hooks.example.com/{n}"
            )
            for _ in range(100):
                webhook_endpoint_send_test(endpoint=endpoint)
    from partners.models import WebhookDelivery

    msg_id = WebhookDelivery.objects.filter(endpoint__partner=partner).first().msg_id
    return raw, msg_id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:54329/waybill_bench")
    os.environ["WEBHOOKS_ALLOW_PRIVATE_TARGETS"] = "1"
    os.environ["API_RATE_LIMIT"] = "1000000/min"  # measure the limiter's cost, not its refusals
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    prepare_database(os.environ["DATABASE_URL"])
    raw, msg_id = seed()

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", str(args.workers), "--log-level", "warning"],
        cwd=ROOT, env=os.environ.copy(),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{base}/healthz", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        paths = [
            "/api/v1/me/",
            "/api/v1/webhook-deliveries/",
            f"/api/v1/webhook-deliveries/{msg_id}/",
        ]
        samples: dict[str, list[float]] = {p: [] for p in paths}
        errors = []
        stop = time.monotonic() + args.seconds

        def client(index: int) -> None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {raw}"
            n = index
            while time.monotonic() < stop:
                path = paths[n % len(paths)]
                n += 1
                started = time.perf_counter()
                response = session.get(base + path, timeout=10)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200 or "RateLimit-Limit" not in response.headers:
                    errors.append(response.status_code)
                samples[path].append(elapsed)

        # Warm up (connections, caches), then measure.
        for path in paths:
            requests.get(base + path, headers={"Authorization": f"Bearer {raw}"}, timeout=10)
        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait(timeout=20)

    def line(name, values):
        q = statistics.quantiles(values, n=100)
        return (
            f"{name:45s} n={len(values):6d}  p50={q[49]:6.1f} ms  p95={q[94]:6.1f} ms  "
            f"p99={q[98]:6.1f} ms  rps={len(values) / args.seconds:7.1f}"
        )

    print(f"gunicorn {args.workers} workers, {args.clients} clients, {args.seconds:g} s")
    for path, values in samples.items():
        print(line(path.replace(msg_id, "{id}"), values))
    print(line("all reads", [v for vs in samples.values() for v in vs]))
    print(f"errors: {len(errors)}")


if __name__ == "__main__":
    main()
