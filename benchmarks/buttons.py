"""Staff buttons' server time with the demo data, against a live server (DEBUG=0) and a worker.

    .venv/bin/python benchmarks/buttons.py                  # every button, 3 clicks where it can
    .venv/bin/python benchmarks/buttons.py --only confirm pick --repeat 5
    .venv/bin/python benchmarks/buttons.py --json

What it does (loopback only):

1. copies the pages benchmark's database (`<dev db>_bench_pages`, built by benchmarks/pages.py
   with the demo data; built here when missing) into `<dev db>_bench_buttons`, so the clicks
   change nothing the pages benchmark reads, and loads today's demo data into the copy when
   the demo was seeded on another day;
2. starts gunicorn with DEBUG=0 (one process, one thread, so the CPU it spends is the click's)
   and one Celery worker, as `make run` does: work a button queues runs there, not in the
   request;
3. clicks each button as the role that has it, the way the browser does: opens the page the
   button is on (not timed), reads its form (hidden fields, defaults, CSRF token), fills what a
   user would choose, and posts it (`HX-Request` for the board's dialogs); the button's time is
   the server's own time for that request (`Server-Timing: app;dur=`), CPU the gunicorn
   process's CPU time over it; `next` is the server time of the page the answer leads to (a
   redirect's target), when there is one;
4. waits (not timed) for the background work a click queued when a later button needs it
   (an optimisation before the plan's edits and its publication) or to show what it did (a
   publication: each published plan's routes and stops are printed on stderr), and prints per
   button: median and max server time, CPU, `next`, the status answered, and whether the
   median is over `--budget-ms` (300 ms).

The plans are prepared as a dispatcher prepares a day: for each of the next `--repeat` days at
the first depot, that day's shifts and packed orders (the demo's order set for the day, made
through the orders services when the day has none), then Create plan, Optimise, the plan
page's edits and Publish, each clicked once a plan.

A button with nothing to click in the demo (no order in the right state) says so.
The copy is dropped at the end unless `--keep`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import pages  # noqa: E402  (the pages benchmark's server, sessions and database helpers)
from button_catalogue import BUTTONS, Click, Forms  # noqa: E402

SUFFIX = "_bench_buttons"


def _admin(url: str, *statements: str) -> None:
    import psycopg2

    conn = psycopg2.connect(urlunparse(urlparse(url)._replace(path="/postgres")))
    conn.autocommit = True
    with conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)
    conn.close()


def copy_database(source_url: str, target_url: str) -> None:
    """A copy of the pages benchmark's database (PostgreSQL copies a database nobody is
    connected to: wait while the pages benchmark runs, rather than cutting it off)."""
    import psycopg2

    source, target = urlparse(source_url).path[1:], urlparse(target_url).path[1:]
    _admin(source_url, f'DROP DATABASE IF EXISTS "{target}"')
    deadline = time.monotonic() + 900
    while True:
        try:
            _admin(source_url, f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
            return
        except psycopg2.errors.ObjectInUse:
            if time.monotonic() > deadline:
                raise SystemExit(f"{source} stayed in use (benchmarks/pages.py running?)") from None
            print(f"{source} is in use; waiting to copy it", file=sys.stderr)
            time.sleep(10)


class Browser(pages.Server):
    """A signed-in staff user's browser: GET pages, POST forms with the CSRF cookie."""

    IDLE_S = 1.0  # gunicorn closes a keep-alive connection idle for 2 s (its `keepalive`)

    def __init__(self, port: int, session: str):
        super().__init__(port, session)
        self.csrf = "b" * 32
        self.used = 0.0

    def request(self, method: str, path: str, data=None, headers=None):
        if time.monotonic() - self.used > self.IDLE_S:
            # After a wait (a job, a publication) the server may have closed the connection:
            # open a new one rather than send on a closed socket.
            self.conn.close()
        headers = {
            "Cookie": f"sessionid={self.session}; csrftoken={self.csrf}",
            "X-Forwarded-Proto": "https",
            "Referer": f"https://127.0.0.1:{self.port}{path}",
            **(headers or {}),
        }
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.csrf
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        self.used = time.monotonic()
        timing = re.search(r"app;dur=([\d.]+)", response.getheader("Server-Timing") or "")
        return (
            response.status,
            float(timing.group(1)) if timing else None,
            text,
            response.getheader("Location") or "",
        )


def cpu_ms(pid: int) -> float:
    """User + system CPU of a process and its children that were waited for, in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(v) for v in fields[11:13])
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def click(browser: Browser, worker_pid: int, c: Click) -> dict:
    if c.form == "GET":  # a button that opens a dialog computed by the server
        before = cpu_ms(worker_pid)
        status, server_ms, text, _ = browser.request("GET", c.page, headers={"HX-Request": "true"})
        row = {"status": status, "ms": server_ms or 0.0, "cpu_ms": cpu_ms(worker_pid) - before}
        return {**row, "next_ms": None}
    page_status, _, body, _ = browser.request("GET", c.page, headers=c.page_headers)
    if page_status != 200:
        return {"status": page_status, "error": f"page {c.page} answered {page_status}"}
    form = Forms.find(body, c.page, c.form)
    if form is None:
        return {"status": 0, "error": f"no form matching {c.form!r} on {c.page}"}
    data = form.values()
    data.update(c.fields)
    headers = {"HX-Request": "true"} if (c.htmx or form.htmx) else {}
    before = cpu_ms(worker_pid)
    status, server_ms, text, location = browser.request("POST", form.action, data, headers)
    spent = cpu_ms(worker_pid) - before
    row = {"status": status, "ms": server_ms or 0.0, "cpu_ms": spent, "next_ms": None}
    if os.environ.get("BUTTONS_DEBUG"):
        print(form.action, sorted(data), status, location, file=sys.stderr)
    if status in (301, 302, 303) and location:
        target = urlparse(urljoin(form.action, location))
        _, next_ms, _, _ = browser.request(
            "GET", target.path + (f"?{target.query}" * bool(target.query))
        )
        row["next_ms"] = next_ms
    if status >= 400:
        alerts = re.findall(r'(?:role="alert"|class="errorlist[^"]*")[^>]*>(.*?)</', text, re.S)
        row["error"] = (
            " ".join(alerts)[:160] or re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))[:160]
        )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="button names (see the catalogue)")
    parser.add_argument("--repeat", type=int, default=3, help="clicks per button at most")
    parser.add_argument("--budget-ms", type=float, default=300)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the copied database")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    source_env = pages.server_env()
    env = pages.server_env(SUFFIX)
    env.pop("CELERY_TASK_ALWAYS_EAGER")  # the clicks queue work for the worker, as in production
    env["REDIS_URL"] = urlunparse(urlparse(env["REDIS_URL"])._replace(path="/7"))
    # A prefix of its own per run: runs, locks and pages cached by an earlier run are not seen
    # (and nothing is flushed: the Redis database may be shared).
    env["CACHE_KEY_PREFIX"] = f"bench-buttons-{os.getpid()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.update(source_env)
    pages.prepare_database(source_env["DATABASE_URL"])  # the source exists and is migrated
    copy_database(source_env["DATABASE_URL"], env["DATABASE_URL"])
    os.environ.update(env)
    os.environ.pop("CELERY_TASK_ALWAYS_EAGER", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    import django

    django.setup()
    from button_catalogue import demo_is_today

    if not demo_is_today():
        subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True
    )
    roles = sorted({b.role for b in BUTTONS})
    logins = pages.sessions(roles)
    port = args.port or pages.free_port()
    web = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", "1", "--threads", "1", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    worker = subprocess.Popen(
        [str(ROOT / ".venv/bin/celery"), "-A", "config", "worker", "-c", "1", "-P", "solo",
         "--loglevel", "WARNING", "-Q", "celery"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    rows = []
    try:
        pages.wait_for_port(port)
        gunicorn_worker = int(
            subprocess.run(
                ["pgrep", "-P", str(web.pid)], capture_output=True, text=True
            ).stdout.split()[0]
        )
        if not args.json:
            print(
                f"{'role':<11} {'button':<30} {'median':>7} {'max':>7} {'cpu':>6} {'next':>6} "
                f"{'n':>2} status   (server ms from Server-Timing; cpu of the web process)"
            )
        for button in BUTTONS:
            if args.only and button.name not in args.only:
                continue
            session, user = logins[button.role]
            browser = Browser(port, session)
            results, note = [], ""
            for target in button.targets(user=user, repeat=args.repeat):
                result = click(browser, gunicorn_worker, target)
                results.append(result)
                if result.get("error"):
                    note = result["error"]
                if button.wait:
                    button.wait(target)
            if not results:
                note = button.missing
            timed = [r for r in results if "ms" in r]
            row = {
                "role": button.role,
                "button": button.name,
                "label": button.label,
                "clicks": len(timed),
                "median_ms": round(statistics.median([r["ms"] for r in timed]), 1)
                if timed
                else None,
                "max_ms": round(max(r["ms"] for r in timed), 1) if timed else None,
                "cpu_ms": round(statistics.median([r["cpu_ms"] for r in timed]), 1)
                if timed
                else None,
                "next_ms": next((r["next_ms"] for r in timed if r["next_ms"]), None),
                "statuses": sorted({r["status"] for r in results}),
                "note": note,
            }
            rows.append(row)
            if not args.json:
                print_row(row, args.budget_ms)
    finally:
        web.terminate()
        worker.terminate()
        web.wait(timeout=30)
        worker.wait(timeout=60)
        if not args.keep:
            from django.db import connections

            connections.close_all()
            _admin(
                env["DATABASE_URL"],
                f'DROP DATABASE IF EXISTS "{urlparse(env["DATABASE_URL"]).path[1:]}"',
            )
    over = [r for r in rows if r["median_ms"] is not None and r["median_ms"] > args.budget_ms]
    if args.json:
        print(json.dumps({"budget_ms": args.budget_ms, "buttons": rows, "over": len(over)}))
    else:
        clicked = sum(1 for r in rows if r["clicks"])
        print(f"\n{clicked} buttons clicked, {len(over)} with a median over {args.budget_ms:g} ms")


def print_row(row: dict, budget: float) -> None:
    if not row["clicks"]:
        print(f"{row['role']:<11} {row['button']:<30} {'—':>7}  not clicked: {row['note']}")
        return
    nxt = f"{row['next_ms']:>6.1f}" if row["next_ms"] else f"{'':>6}"
    flag = "  OVER" if row["median_ms"] > budget else ""
    statuses = ",".join(str(s) for s in row["statuses"])
    print(
        f"{row['role']:<11} {row['button']:<30} {row['median_ms']:>7.1f} {row['max_ms']:>7.1f} "
        f"{row['cpu_ms']:>6.1f} {nxt} {row['clicks']:>2} {statuses}{flag}"
        + (f"  ({row['note'][:100]})" if row["note"] else ""),
        flush=True,
    )


if __name__ == "__main__":
    main()
