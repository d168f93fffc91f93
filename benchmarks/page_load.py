"""Staff pages loaded in full in a real browser (Debian chromium through Playwright), against a
live DEBUG=0 server with the demo data: the chart pages and the dispatch board.

    .venv/bin/python benchmarks/page_load.py                # DEBUG=0, 5 loads a page
    .venv/bin/python benchmarks/page_load.py --debug        # as under `make run` (DEBUG=1)
    .venv/bin/python benchmarks/page_load.py --repeat 3 --json

It uses the pages benchmark's database (`<dev db>_bench_pages`, see benchmarks/pages.py) and
its gunicorn set-up. Per page and role it loads the page `--repeat` times in a new browser
context (nothing cached: a first visit) and `--repeat` times again in one context (cached
static files: the next visits), and prints the medians of:

- `html`: the server's time for the page (Server-Timing);
- `paint`: first contentful paint (the page readable);
- `load`: the load event (every script run, styles and images in);
- `full`: the page in full: the load event and, on a chart page, every chart drawn (plotly's
  SVG present in each chart), on the board its map and panel filled;
- a plain page (the password form: no chart, no map) first, as the floor: what any page costs
  the browser on this machine at the time;
- `KB`: bytes over the wire (compressed sizes), and how many came from the browser's cache.

The target is `full` at most 1 s (`--budget-ms`). Times are wall clock on a shared machine:
start it with the priority trick (README of the benchmarks) and read `uptime` beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import pages  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# (role, label, path or a callable giving it once Django is set up, what "in full" waits for)
PAGES = [
    # The floor: a plain form page (no chart, no map), what the browser costs on this machine.
    ("dispatcher", "plain page (floor)", "/accounts/password/", "plain"),
    ("dispatcher", "KPIs", "/tracking/kpis/", "charts"),
    ("purchasing", "forecast of a product", "forecast", "charts"),
    ("dispatcher", "dispatch board", "/dispatch/", "board"),
]
FULL_JS = {
    "plain": "() => true",
    "charts": """() => { const c = document.querySelectorAll('.plotly-graph-div');
        return [...c].every(d => d.querySelector('.main-svg')); }""",
    "board": """() => !!document.querySelector('#board-map .leaflet-interactive')
        && !!document.querySelector('.board-side *')""",
}
TIMES_JS = """() => { const n = performance.getEntriesByType('navigation')[0];
    const p = performance.getEntriesByName('first-contentful-paint')[0];
    const r = performance.getEntriesByType('resource');
    return {paint: p ? p.startTime : null, load: n.loadEventEnd,
            bytes: n.transferSize + r.reduce((s, e) => s + (e.transferSize || 0), 0),
            charts: document.querySelectorAll('.plotly-graph-div').length,
            cached: r.filter(e => e.transferSize === 0 && e.decodedBodySize > 0).length,
            server: (n.serverTiming.find(t => t.name === 'app') || {}).duration || null}; }"""


def forecast_path() -> str:
    from forecasting.models import Forecast

    forecast = Forecast.objects.select_related("product", "warehouse").order_by("-mase").first()
    return f"/orders/forecasts/products/{forecast.product.sku}/?warehouse={forecast.warehouse.code}"


def load(context, url: str, full: str) -> dict:
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url, wait_until="load")
    page.wait_for_function(FULL_JS[full], timeout=30_000)
    full_ms = (time.perf_counter() - started) * 1000
    found = page.evaluate(TIMES_JS)
    page.close()
    return {**found, "full": max(full_ms, found["load"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget-ms", type=float, default=1000)
    parser.add_argument("--debug", action="store_true", help="DEBUG=1, as under `make run`")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    env = pages.server_env()
    if args.debug:
        env["DEBUG"] = "1"
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop + the ORM
    pages.prepare_database(env["DATABASE_URL"])
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True
    )
    import django

    django.setup()
    logins = pages.sessions(sorted({role for role, *_ in PAGES}))
    targets = [(r, label, forecast_path() if p == "forecast" else p, f) for r, label, p, f in PAGES]
    port = args.port or pages.free_port()
    web = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", "2", "--threads", "4", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    rows = []
    try:
        pages.wait_for_port(port)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            for role, label, path, full in targets:
                session, _user = logins[role]
                url = f"http://127.0.0.1:{port}{path}"

                def context(session=session):
                    ctx = browser.new_context(
                        viewport={"width": 1280, "height": 800},
                        extra_http_headers={"X-Forwarded-Proto": "https"},
                    )
                    ctx.add_cookies(
                        [{"name": "sessionid", "value": session, "url": f"http://127.0.0.1:{port}"}]
                    )
                    return ctx

                cold = []
                for _ in range(args.repeat):
                    ctx = context()
                    cold.append(load(ctx, url, full))
                    ctx.close()
                ctx = context()
                load(ctx, url, full)  # fills the cache
                warm = [load(ctx, url, full) for _ in range(args.repeat)]
                ctx.close()
                for visit, runs in (("first visit", cold), ("next visits", warm)):
                    row = {"role": role, "page": label, "path": path, "visit": visit}
                    for key in ("server", "paint", "load", "full", "bytes", "cached", "charts"):
                        values = [r[key] for r in runs if r[key] is not None]
                        row[key] = round(statistics.median(values), 1) if values else None
                    rows.append(row)
                    if not args.json:
                        print_row(row, args.budget_ms)
            browser.close()
    finally:
        web.terminate()
        web.wait(timeout=30)
    if args.json:
        print(json.dumps({"debug": args.debug, "budget_ms": args.budget_ms, "pages": rows}))


HEADER_PRINTED = []


def print_row(row: dict, budget: float) -> None:
    if not HEADER_PRINTED:
        HEADER_PRINTED.append(1)
        print(
            f"{'role':<11} {'page':<22} {'visit':<12} {'html':>6} {'paint':>6} {'load':>6} "
            f"{'full':>6} {'KB':>7} {'cached':>6} {'charts':>6}   (medians, ms; KB over the wire)"
        )
    flag = "  OVER" if row["full"] and row["full"] > budget else ""
    fmt = lambda v: f"{v:>6.0f}" if v is not None else f"{'—':>6}"  # noqa: E731
    print(
        f"{row['role']:<11} {row['page']:<22} {row['visit']:<12} {fmt(row['server'])} "
        f"{fmt(row['paint'])} {fmt(row['load'])} {fmt(row['full'])} "
        f"{row['bytes'] / 1024:>7.0f} {row['cached']:>6.0f} {row['charts']:>6.0f}{flag}",
        flush=True,
    )


if __name__ == "__main__":
    main()
