"""Delivery options latency beside `/healthz`, in one run against one gunicorn.

    .venv/bin/python benchmarks/delivery_options.py [--seconds 10] [--connections 8]

Production-style server as benchmarks/api.py (gunicorn `config.wsgi`, `DEBUG=0`, 2 workers x
4 threads, the same demo database and bench key). Load from `wrk` with a POST body (or a
Python keep-alive client when wrk is missing). The demo has shifts for today only, so the
next days get copies of today's (the simulator's `shifts_copy`), as a depot that books its
week would. The request: the demo partner's latest order's point, two products in stock at
its depot, 7 days. `/healthz` is measured before and after as the reference. Prints req/s,
p99, non-2xx and the server's CPU per request (gunicorn master and workers, from /proc) per
phase, and the load average. Target: p99 at most 150 ms at 8 connections.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.api import free_port, prepare_database, seed  # noqa: E402


def request_body() -> dict:
    """A realistic checkout question, after booking the week's shifts."""
    from django.db.models import F, Sum

    from inventory.models import Stock
    from inventory.selectors import warehouse_today
    from orders.models import CustomerOrder
    from routing.models import Shift
    from simulator.days import shifts_copy

    order = (
        CustomerOrder.objects.filter(partner__isnull=False, latitude__isnull=False)
        .select_related("warehouse")
        .order_by("-pk")
        .first()
    )
    depot = order.warehouse
    today = warehouse_today(depot)
    template = list(Shift.objects.filter(vehicle__depot=depot).order_by("-date")[:20])
    latest = template[0].date if template else today
    template = [s for s in template if s.date == latest]
    for n in range(0, 9):
        shifts_copy(date=today + dt.timedelta(days=n), template=template)
    skus = list(
        Stock.objects.filter(location__warehouse=depot, condition="good")
        .values("product__sku")
        .annotate(free=Sum(F("on_hand") - F("reserved")))
        .filter(free__gte=5)
        .order_by("-free")
        .values_list("product__sku", flat=True)[:2]
    )
    return {
        "destination": {"lat": float(order.latitude), "lon": float(order.longitude)},
        "items": [{"sku": sku, "quantity": 1} for sku in skus],
        "days": 7,
    }


def tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its live children (gunicorn and workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo += [int(c) for c in children.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def wrk_run(url, *, raw, seconds, connections, body=None):
    """(req/s, p99 ms, non-2xx) from wrk, POSTing `body` as JSON when given."""
    args = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds:g}s", "--latency",
            "-H", f"Authorization: Bearer {raw}"]  # fmt: skip
    script = None
    if body is not None:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(
                'wrk.method = "POST"\n'
                'wrk.headers["Content-Type"] = "application/json"\n'
                f"wrk.body = [[{json.dumps(body)}]]\n"
            )
        args += ["-s", script.name]
    try:
        out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    finally:
        if script:
            os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, p99, int(bad.group(1)) if bad else 0


def python_run(url, *, raw, seconds, connections, body=None):
    samples, failures = [], []
    stop = time.monotonic() + seconds

    def client():
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {raw}"
        while time.monotonic() < stop:
            started = time.perf_counter()
            if body is None:
                response = session.get(url, timeout=10)
            else:
                response = session.post(url, json=body, timeout=10)
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                failures.append(response.status_code)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(samples) / seconds, statistics.quantiles(samples, n=100)[98], len(failures)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:54329/waybill_bench")
    os.environ["API_RATE_LIMIT"] = "100000000/min"
    os.environ["WEBHOOKS_ALLOW_PRIVATE_TARGETS"] = "1"  # the bench seed's webhook endpoint
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    prepare_database(os.environ["DATABASE_URL"])
    raw = seed()["raw"]
    body = request_body()
    run = wrk_run if shutil.which("wrk") else python_run

    load_before = os.getloadavg()
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
        headers = {"Authorization": f"Bearer {raw}"}
        answer = requests.post(f"{base}/api/v1/delivery-options/", json=body, headers=headers)
        if answer.status_code != 200:
            raise SystemExit(f"delivery options answered {answer.status_code}: {answer.text}")
        options = answer.json()["options"]
        print(f"request {json.dumps(body)}: {len(options)} options", file=sys.stderr)
        # Warm every thread of both workers at full concurrency (caches, compiled queries).
        for path, payload in (("/healthz", None), ("/api/v1/delivery-options/", body)):
            run(base + path, raw=raw, seconds=2, connections=args.connections, body=payload)
        plan = [
            ("GET /healthz", "/healthz", None),
            ("POST /api/v1/delivery-options/", "/api/v1/delivery-options/", body),
            ("GET /healthz", "/healthz", None),
        ]
        for label, path, payload in plan:
            cpu_before = tree_cpu_s(server.pid)
            rps, p99, bad = run(
                base + path,
                raw=raw,
                seconds=args.seconds,
                connections=args.connections,
                body=payload,
            )
            cpu_ms = 1000 * (tree_cpu_s(server.pid) - cpu_before) / max(rps * args.seconds, 1)
            rows.append((label, rps, p99, bad, cpu_ms))
            print(
                f"{label:35s} {rps:8.0f} req/s  p99 {p99:6.1f} ms  non-2xx {bad}  "
                f"server CPU {cpu_ms:.2f} ms/request",
                file=sys.stderr,
            )
    finally:
        server.terminate()
        server.wait(timeout=20)

    load = os.getloadavg()
    print(
        f"gunicorn {args.workers} workers x {args.threads} threads, {args.connections} "
        f"connections, {args.seconds:g} s each, load {'wrk' if run is wrk_run else 'python'}; "
        f"load average {load_before[0]:.1f} before, {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
        f"after; {len(options)} options a call"
    )
    print("| request | req/s | p99 ms | non-2xx | server CPU ms / request | target |")
    print("|---|---:|---:|---:|---:|---|")
    for label, rps, p99, bad, cpu_ms in rows:
        target = "p99 ≤ 150 ms" if "delivery" in label else "reference"
        if "delivery" in label:
            target += " (met)" if p99 <= 150 and not bad else " (NOT met)"
        print(f"| `{label}` | {rps:,.0f} | {p99:.0f} | {bad} | {cpu_ms:.2f} | {target} |")


if __name__ == "__main__":
    main()
