"""Dispatch board benchmark: the server cost of live boards on gunicorn sync workers, and the
delay from a vehicle's ping to its appearance on an open board.

    .venv/bin/python benchmarks/board_load.py [--routes 50] [--stops 20] [--boards 10]
                                              [--seconds 30] [--poll 3] [--workers 2]

It creates its own database (`<name>_bench_board`), builds a live day (50 published routes of 20
stops, vehicles pinging), starts gunicorn with sync workers on a free port, and measures:

1. per-request latency and server CPU of the two polls a board makes every `--poll` seconds
   (the panel fragment and the map JSON) when nothing changed (204) and when it did (200);
2. the throughput of one request type at a time in a closed loop (4 clients);
3. `--boards` boards polling for `--seconds` while every vehicle pings every 10 s: requests/s,
   server CPU (share of one core), and the ping → board latency (p50/p95): the time from a
   ping's insert to the first poll that returns the new position.

The database is dropped at the end; nothing in the project's database is touched.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
BENCH_SUFFIX = "_bench_board"


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def _cpu_s(pids) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def _build(routes: int, stops: int):
    from django.contrib.auth.models import Group
    from django.test import Client

    from core.roles import Role
    from tests.conftest import make_user
    from tests.dispatch.scenario import build_day
    from tests.dispatch.scene import make_live

    for role in Role.values:
        Group.objects.get_or_create(name=role)
    day = build_day(routes=routes, stops=stops, now_hour=11.0, delivered=stops // 3)
    make_live(day)
    client = Client()
    client.force_login(make_user(Role.DISPATCHER, username="bench-dispatcher", password=None))
    return day, client.cookies["sessionid"].value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--routes", type=int, default=50)
    parser.add_argument("--stops", type=int, default=20)
    parser.add_argument("--boards", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--poll", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()

    bench_url, admin_url, bench_name = _bench_database_url()
    _admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
    _admin_sql(admin_url, f'CREATE DATABASE "{bench_name}"')
    os.environ["DATABASE_URL"] = bench_url
    prefix = f"bench-board-{os.getpid()}"
    os.environ["CACHE_KEY_PREFIX"] = prefix
    os.environ["EMAIL_URL"] = "dummymail://"  # the demo day's customer emails go nowhere
    # The same key in this process (which logs the dispatcher in) and in gunicorn.
    os.environ["SECRET_KEY"] = "bench-board-only-" + "k" * 40
    server = None
    try:
        import django

        django.setup()
        import requests
        from django.conf import settings
        from django.core.management import call_command

        from config.celery import app as celery_app

        celery_app.conf.task_always_eager = True  # ETA recomputes run in this process
        settings.DEBUG = False
        print(f"database: {bench_name} (created for this run)")
        call_command("migrate", verbosity=0)
        t = time.monotonic()
        day, session = _build(args.routes, args.stops)
        print(
            f"day: {args.routes} routes x {args.stops} stops built in {time.monotonic() - t:.1f} s"
        )

        port = _free_port()
        env = {
            **os.environ,
            "DEBUG": os.environ.get("BENCH_DEBUG", "0"),
        }
        env.update({"ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0"})
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}"]
            + ["-w", str(args.workers), "-k", "sync", "--log-level", "warning"],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        http = requests.Session()
        http.cookies.set("sessionid", session)
        deadline = time.monotonic() + 30
        while True:
            try:
                if http.get(f"{base}/healthz", timeout=10).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.2)
        import psutil

        pids = [server.pid] + [c.pid for c in psutil.Process(server.pid).children()]
        q = f"day={day.day.isoformat()}"
        urls = {"panel": f"{base}/dispatch/panel/?{q}", "map": f"{base}/dispatch/map.json?{q}"}
        stamps = {}
        first = http.get(urls["panel"], timeout=10)
        assert first.status_code == 200, (first.status_code, first.text[-3000:])
        stamps["panel"] = first.text.split("since=")[1].split('"')[0]
        stamps["map"] = http.get(urls["map"], timeout=10).json()["stamp"]
        print(
            f"sizes: panel "
            f"{len(first.content) / 1024:.0f} KiB, map JSON "
            f"{len(http.get(urls['map'], timeout=10).content) / 1024:.0f} KiB"
        )

        print("\n1. one request at a time (latency; server CPU per request)")
        print(f"{'request':<26}{'p50 ms':>8}{'p95 ms':>8}{'CPU ms':>8}")
        cases = [
            ("panel, unchanged (204)", urls["panel"] + f"&since={stamps['panel']}", 204),
            ("panel, changed (200)", urls["panel"], 200),
            ("map, unchanged (204)", urls["map"] + f"&since={stamps['map']}", 204),
            ("map, positions only", urls["map"] + f"&since={stamps['map'].split('~')[0]}~x", 200),
            ("map, changed (200)", urls["map"], 200),
        ]
        for name, url, expected in cases:
            times = []
            cpu0 = _cpu_s(pids)
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                r = http.get(url, timeout=30)
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == expected, (name, r.status_code)
            cpu = (_cpu_s(pids) - cpu0) / args.repeat * 1000
            print(f"{name:<26}{_pct(times, 0.5):>8.1f}{_pct(times, 0.95):>8.1f}{cpu:>8.1f}")

        print("\n2. throughput, 4 clients in a closed loop for 5 s each")
        for name, url, _ in cases[:5]:
            done = []
            stop_at = time.monotonic() + 5

            def loop(url=url, done=done, stop_at=stop_at):
                s = requests.Session()
                s.cookies.set("sessionid", session)
                n = 0
                while time.monotonic() < stop_at:
                    s.get(url, timeout=30)
                    n += 1
                done.append(n)

            threads = [threading.Thread(target=loop) for _ in range(4)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            print(f"{name:<26}{sum(done) / 5:>8.0f} requests/s")

        print(
            f"\n3. {args.boards} boards polling every {args.poll:g} s for {args.seconds:g} s, "
            f"{args.routes} vehicles pinging every 10 s"
        )
        from dispatch.selectors import day_positions
        from tracking import clock
        from tracking.services import pings_record

        sent: dict[int, list[tuple[float, float]]] = {}  # route -> [(lat, sent_at)]
        latencies: list[float] = []
        counts = {"requests": 0, "changed": 0}
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds

        def pinger():
            routes = list(day.routes)
            rng = random.Random(1)
            k = 0
            interval = 10.0 / len(routes)
            where = {
                r.pk: (p["lat"], p["lon"])
                for r in routes
                for vid, p in day_positions(day=day.day).items()
                if vid == r.vehicle_id
            }
            while time.monotonic() < stop_at:
                route = routes[k % len(routes)]
                k += 1
                # Vans creep along (about 100 m per ping), as real ones do between stops.
                lat0, lon0 = where[route.pk]
                lat, lon = lat0 + rng.uniform(-0.001, 0.001), lon0 + rng.uniform(-0.0015, 0.0015)
                where[route.pk] = (lat, lon)
                now = clock.now()
                pings_record(
                    vehicle=route.vehicle,
                    route=route,
                    pings=[{"time": now, "latitude": lat, "longitude": lon, "heading_deg": 90.0}],
                    now=now,
                )
                with lock:
                    sent.setdefault(route.pk, []).append((round(lat, 9), time.monotonic()))
                time.sleep(interval)

        def board_loop(offset: float):
            s = requests.Session()
            s.cookies.set("sessionid", session)
            stamp = {"panel": stamps["panel"], "map": stamps["map"]}
            seen: dict[int, float] = {}
            time.sleep(offset)
            while time.monotonic() < stop_at:
                t0 = time.monotonic()
                r = s.get(urls["panel"] + f"&since={stamp['panel']}", timeout=30)
                if r.status_code == 200:
                    stamp["panel"] = r.text.split("since=")[1].split('"')[0]
                m = s.get(urls["map"] + f"&since={stamp['map']}", timeout=30)
                got = time.monotonic()
                with lock:
                    counts["requests"] += 2
                    counts["changed"] += (r.status_code == 200) + (m.status_code == 200)
                if m.status_code == 200:
                    body = m.json()
                    stamp["map"] = body["stamp"]
                    for v in body.get("vehicles", []):
                        lat = round(v["lat"], 9)
                        with lock:
                            for sent_lat, at in sent.get(v["route"], []):
                                if sent_lat == lat and seen.get(v["route"]) != lat:
                                    latencies.append(got - at)
                        seen[v["route"]] = lat
                time.sleep(max(0.0, args.poll - (time.monotonic() - t0)))

        cpu0 = _cpu_s(pids)
        t0 = time.monotonic()
        threads = [threading.Thread(target=pinger)] + [
            threading.Thread(target=board_loop, args=(args.poll * i / args.boards,))
            for i in range(args.boards)
        ]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.monotonic() - t0
        cpu = _cpu_s(pids) - cpu0
        rps = counts["requests"] / elapsed
        print(
            f"board polls: {rps:.1f} requests/s "
            f"({counts['changed'] / max(1, counts['requests']):.0%} with changes), "
            f"server CPU {cpu / elapsed:.0%} of one core "
            f"({cpu / max(1, counts['requests']) * 1000:.1f} ms per poll, "
            f"{cpu / elapsed / args.boards:.1%} of a core per open board)"
        )
        print(
            f"ping -> board latency: p50 {_pct(latencies, 0.5):.2f} s, "
            f"p95 {_pct(latencies, 0.95):.2f} s over {len(latencies)} pings seen "
            f"(poll interval {args.poll:g} s)"
        )
        return 0
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        from django.db import connections

        connections.close_all()
        _admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
        print(f"database {bench_name} dropped")


if __name__ == "__main__":
    raise SystemExit(main())
