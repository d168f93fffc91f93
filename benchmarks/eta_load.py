"""ETA load benchmark: vehicles pinging through the API against a real server and workers.

    .venv/bin/python benchmarks/eta_load.py --duration 60 --port 18431 --page-seconds 3   # warm
    .venv/bin/python benchmarks/eta_load.py --no-warm-up --duration 60 --port 18431 \
        --page-seconds 3                                                                # cold
    .venv/bin/python benchmarks/eta_first.py              # the first-ETA tick alone, in process

What it does (everything on loopback, nothing shared with the dev database or queue):

1. creates a fresh database `<dev db>_bench_eta` on the same PostgreSQL, migrates it, and seeds
   one depot, `--vehicles` drivers with vans, a published plan for today with one route of
   `--stops` stops per van (customers with an e-mail address), and a session per driver;
   then starts every route and computes its first ETAs, as the drivers' "start" does (warm:
   a ping is then on a leg whose beginning is known, so each recompute also works out the
   leg's pace). COLD
   (`--no-warm-up`) leaves that to the first pings: no route has an ETA, no driver's speed
   priors are cached, and every first ETA announces its first stop ("arriving" entry, webhook
   event, e-mail);
2. starts gunicorn (`--web-workers` x `--web-threads`), a Celery worker
   (`--worker-concurrency`) and, unless `--no-eta-worker`, a one-process worker for the ETA
   ticks' own queue (TRACKING_ETA_QUEUE), on that database and Redis database `--redis-db`;
3. every van POSTs a ping to /api/v1/pings/ every `--interval` seconds (starts spread evenly)
   for `--duration` seconds, from `--ping-clients` processes. Each ping's send is compared
   with its schedule: if the clients fell behind (p99 over `--max-behind` s) the server got
   less load than asked and the run is INVALID (`valid` false, no lag figures);
4. ping → ETA lag, from the ping's ARRIVAL at the server (`received_at`) to the commit of the
   first recompute that used it or a newer ping of the van (the engine logs route, newest
   ping used, tick start and commit per recomputed route); `first_eta_lag_*` is the same for
   each route's first ping (cold: the route's first ETA). After the pings it waits for the
   engine to drain (`--drain` s at most); a ping with no ETA by then is an infinite lag, so
   the percentiles can not hide a backlog. `tick_*` say where the lag goes;
5. the tracking page from cache: `--page-clients` processes request 100 warm pages with
   keep-alive for `--page-seconds`; requests/s and p99.

The verdict (`valid`, `target_met` against `--target` s for both p99s) closes the output. CPU
seconds are reported per process tree (clients, web, workers, the bench database's PostgreSQL
backends) with how many cores everything else on the machine kept busy and the load average:
on a shared machine wall-clock lags are ceilings, the CPU figures are what the work costs.
Give it the CPU with `setsid nice -n -15 <command> &` and `echo -15 > /proc/<pid>/autogroup`.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.eta_load_figures import (  # noqa: E402
    arrival_times,
    cpu_delta,
    cpu_snapshot,
    lag_figures,
    machine_busy_s,
    pct,
    schedule_figures,
    verdict,
)
from benchmarks.eta_load_pages import page_phase  # noqa: E402
from benchmarks.eta_load_seed import REDIS_DB, SENTINEL_KEY, bench_env, create_database, seed  # noqa: E402


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

    def send(index: int, scheduled: float):
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
            results.append((route_id, at.timestamp(), scheduled, sent, took, status))

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
            pool.submit(send, index, at)
    out.put((results, time.process_time() - cpu0))


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
        "results": [r for part, _ in parts for r in part],
        "client_cpu_s": sum(cpu for _, cpu in parts),
    }


def drain(log_key: str, timeout: float) -> float:
    """Wait until the engine has nothing pending and its log stopped growing (the recomputes
    of the last pings), at most `timeout` seconds; returns how long it waited."""
    from django.core.cache import cache

    from tracking.services.eta import PENDING_KEY, TICK_KEY

    client = cache._cache.get_client(write=True)
    t0, last, quiet_since = time.monotonic(), -1, time.monotonic()
    while time.monotonic() - t0 < timeout:
        size = client.llen(log_key)
        busy = client.zcard(cache.make_key(PENDING_KEY)) or client.exists(cache.make_key(TICK_KEY))
        if size != last or busy:
            last, quiet_since = size, time.monotonic()
        elif time.monotonic() - quiet_since >= 2:
            break
        time.sleep(0.25)
    return time.monotonic() - t0


def measure_pings(args, env, data, roots) -> dict:
    """The ping phase and its figures (schedule, ingestion, ping → ETA lag, CPU by process)."""
    from django.core.cache import cache

    cache._cache.get_client(write=True).delete(data["log_key"])  # (the seed's warm-up)
    cpu0, busy0, t0 = cpu_snapshot(roots, env["_BENCH_DB"]), machine_busy_s(), time.monotonic()
    phase = ping_phase(args.port, data, args)
    results = phase["results"]
    drained = drain(data["log_key"], args.drain)
    ping_cpu = cpu_delta(cpu0, cpu_snapshot(roots, env["_BENCH_DB"]))
    ping_busy, ping_wall = machine_busy_s() - busy0, time.monotonic() - t0
    from django.db import connection

    log = cache._cache.get_client(write=True).lrange(data["log_key"], 0, -1)
    redis_kept = cache.get(SENTINEL_KEY) is not None
    with connection.cursor() as cur:
        arrivals = arrival_times(cur)
    ok = [r for r in results if r[5] == 201]
    ingest = [r[4] for r in ok]
    figures = {
        "interval_s": args.interval,
        "duration_s": args.duration,
        "pings_sent": len(results),
        "pings_201": len(ok),
        "pings_stored": len(arrivals),
        "pings_lost": len(results) - len(arrivals),
        "ping_rps": round(len(results) / args.duration, 1),
        **schedule_figures(results, max_behind_s=args.max_behind),
        "ingest_p50_ms": round(pct(ingest, 50) * 1000, 1) if ingest else None,
        "ingest_p99_ms": round(pct(ingest, 99) * 1000, 1) if ingest else None,
        **lag_figures(results, arrivals, log),
        "drain_s": round(drained, 1),
        "redis_kept": redis_kept,
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
    parser.add_argument(
        "--eta-worker",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the ETA ticks on a queue with a worker of their own (TRACKING_ETA_QUEUE)",
    )
    parser.add_argument(
        "--max-behind", type=float, default=1.0, help="p99 seconds the client may lag its schedule"
    )
    parser.add_argument("--drain", type=float, default=60, help="max seconds to wait for ETAs")
    parser.add_argument("--redis-db", type=int, default=REDIS_DB, help="emptied at the start")
    parser.add_argument("--target", type=float, default=5.0, help="ping → ETA p99 target, s")
    args = parser.parse_args()
    load_start = os.getloadavg()[0]

    env = bench_env(args)
    create_database(env)
    data = seed(env, args.vehicles, args.stops, warm_up=not args.no_warm_up)
    server_env = {k: v for k, v in env.items() if not k.startswith("_")}
    if args.eta_worker:
        server_env["TRACKING_ETA_QUEUE"] = "bench-eta-ticks"
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
    workers = [worker]
    if args.eta_worker:
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "-c", "1",
                 "-Q", server_env["TRACKING_ETA_QUEUE"], "--loglevel", "WARNING",
                 "--without-gossip", "--without-mingle",
                 "--hostname", f"bench-ticks-{os.getpid()}@%h"],
                cwd=ROOT, env=server_env, stdout=open(logs / "eta-worker.log", "w"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
    try:
        wait_for(args.port)
        time.sleep(3)  # let the workers connect
        roots = {"web": web.pid, "worker": worker.pid}
        if args.eta_worker:
            roots["eta_worker"] = workers[1].pid
        figures = {
            "vehicles": args.vehicles,
            "cold": args.no_warm_up,
            "eta_worker": args.eta_worker,
            "load_average_at_start": round(load_start, 2),
        }
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
        figures["load_average_1m"] = round(os.getloadavg()[0], 2)
        if not args.page_only:
            figures.update(verdict(figures, target_s=args.target))
    finally:
        for proc in (web, *workers):
            proc.terminate()
        for proc in (web, *workers):
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
    if figures.get("valid") is False:
        print("INVALID RUN: " + "; ".join(figures["invalid_because"]))
    print(f"(server logs in {logs})")


if __name__ == "__main__":
    main()
