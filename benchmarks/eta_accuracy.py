"""ETA accuracy: plan fresh simulated days, play them through the API, score the ETAs.

    .venv/bin/python benchmarks/eta_accuracy.py --seed 1 --days 3 [--json]

For each day: new orders (orders services), shifts, a plan optimised and published (routing
services; the OR-Tools model searched to a local optimum so the plan does not depend on CPU
load), then the simulated drivers play it through the driver API (Django test client in this
process, Celery eager, the shared clock pinned to each event) — pings, arrivals, deliveries,
failures — so the ETA engine runs exactly as in production. At 15/30/60/120 minutes before
each actual arrival the benchmark reads the ETA and window the customer is shown then, and
compares with the naive baseline: the optimiser's planned arrival, never updated.

`--warmup` days (default 1) are played first and not scored: the engine learns its windows
and speed ratios from completed stops, as it does after its first days in production.

Runs in a throwaway database (created and dropped; `--database` names it) and a private
in-memory cache, so it touches neither the dev data nor a running demo. Deterministic for a
given seed and arguments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

HORIZONS_MIN = (15, 30, 60, 120)
FIRST_DAY = dt.date(2026, 3, 2)

# The hot paths of tracking pipeline raw Redis commands, so the benchmark runs on Redis too: a
# database of its own (BENCH_REDIS_DB), which `cache.clear()` empties every simulated morning.
BENCH_REDIS_DB = 7

try:
    from django.core.cache.backends.redis import RedisCache
except ImportError:  # pragma: no cover
    RedisCache = object


class LearnedOnceCache(RedisCache):
    """Entries never expire by wall time (timeout 0 still means "not at all"): the ETA
    engine's cached priors and quantiles then change only when the benchmark clears the cache
    (each morning), never at a moment that depends on how fast this machine is."""

    def get_backend_timeout(self, timeout=None):
        return super().get_backend_timeout(timeout) if timeout == 0 else None


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=3, help="Scored days.")
    parser.add_argument("--warmup", type=int, default=1, help="Days played first, not scored.")
    parser.add_argument("--vehicles", type=int, default=4)
    parser.add_argument("--stops", type=int, default=60, help="Orders per day.")
    parser.add_argument("--ping-every", type=int, default=30, help="Simulated seconds.")
    parser.add_argument("--upload-every", type=int, default=120, help="Simulated seconds.")
    parser.add_argument("--database", default="bench_eta_accuracy")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def setup(args):
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_test_environment

    setup_test_environment()  # locmem email, "testserver" allowed
    import logging

    # Celery's per-task lines would drown the output.
    for name in ("partners.throttling", "celery", "tracking.services.eta"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    from urllib.parse import urlsplit, urlunsplit

    url = urlsplit(settings.REDIS_URL)
    settings.CACHES = {
        "default": {
            "BACKEND": "__main__.LearnedOnceCache",
            "LOCATION": urlunsplit(url._replace(path=f"/{BENCH_REDIS_DB}")),
            "KEY_PREFIX": "bench-eta",
        }
    }
    settings.TRACKING_ETA_DEBOUNCE_S = 0  # every ping upload recomputes (as at real speed)
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    from django.db import connection

    settings.DATABASES["default"]["TEST"]["NAME"] = args.database
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return old_name


def play_day(*, date, depot, template, args, noise, scored: bool, observations: list):
    from django.core.cache import cache

    from routing.models import Stop
    from simulator import days
    from simulator.metrics import Observation
    from simulator.player import ClientTransport, DayPlayer

    cache.clear()  # the engine re-reads what it learned so far (nightly, in effect)
    rng = random.Random(f"eta-bench|{args.seed}|{date}")
    orders = days.orders_create(warehouse=depot, date=date, count=args.stops, rng=rng)
    shifts = days.shifts_copy(date=date, template=template)
    plan = days.plan_day(
        date=date, depot=depot, orders=orders, shifts=shifts, solve=days.deterministic_solve
    )
    if plan is None:
        raise SystemExit(f"{date}: the plan could not be made")
    player = DayPlayer(
        days.sim_routes(plans=[plan]),
        transport=ClientTransport(),
        noise=noise,
        leg_model_s=days.leg_model(),
        ping_every_s=args.ping_every,
        upload_every_s=args.upload_every,
    )
    arrivals = player.arrivals
    skipped = {"no_eta": 0}

    def observe(stop_id: int, horizon_s: int):
        def read():
            row = Stop.objects.values("eta", "eta_low", "eta_high", "planned_arrival").get(
                pk=stop_id
            )
            if row["eta"] is None:  # the route has not started: no ETA shown yet
                skipped["no_eta"] += 1
                return
            observations.append(
                Observation(
                    stop=stop_id,
                    horizon_s=horizon_s,
                    actual=arrivals[stop_id],
                    eta=row["eta"],
                    low=row["eta_low"],
                    high=row["eta_high"],
                    planned=row["planned_arrival"],
                )
            )

        return read

    if scored:
        player.add_observers(
            [
                (at - dt.timedelta(minutes=h), observe(stop, h * 60))
                for stop, at in sorted(arrivals.items())
                for h in HORIZONS_MIN
            ]
        )
    stats = player.play_stepped()
    return {
        "date": date.isoformat(),
        "scored": scored,
        "routes": plan.routes.count(),
        "stops": plan.stops.count(),
        "unassigned": len(plan.unassigned),
        "no_eta_yet": skipped["no_eta"],
        **stats.as_dict(),
    }


def run(args) -> dict:
    from simulator.engine import NoiseModel
    from simulator.metrics import horizon_metrics, improvement
    from simulator.world import world_create

    depot, template = world_create(vehicles=args.vehicles)
    noise = NoiseModel(seed=args.seed)
    observations: list = []
    day_stats = []
    for n in range(args.warmup + args.days):
        date = FIRST_DAY + dt.timedelta(days=n)
        day_stats.append(
            play_day(
                date=date,
                depot=depot,
                template=template,
                args=args,
                noise=noise,
                scored=n >= args.warmup,
                observations=observations,
            )
        )
        if not args.json:
            print(f"  played {day_stats[-1]}", file=sys.stderr, flush=True)
    horizons = horizon_metrics(observations)
    for figures in horizons.values():
        figures["improvement"] = improvement(figures)
    h60 = horizons.get("60", {})
    scored_stops = {o.stop for o in observations}
    return {
        "seed": args.seed,
        "days": args.days,
        "warmup_days": args.warmup,
        "stops": len(scored_stops),
        "horizons": horizons,
        "targets_60": {
            "mae_40pct_below_baseline": bool(h60) and (h60["improvement"] or 0) >= 0.4,
            "coverage_75_to_90pct": bool(h60) and 0.75 <= h60["coverage"] <= 0.90,
        },
        "per_day": day_stats,
    }


def table(result: dict) -> str:
    lines = [
        f"ETA accuracy: seed {result['seed']}, {result['days']} scored days "
        f"(+{result['warmup_days']} warm-up), {result['stops']} stops scored",
        "",
        "| horizon | n | MAE | bias | coverage | mean width | baseline MAE "
        "| baseline cov. (±30 min) | MAE vs baseline |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for h, f in result["horizons"].items():
        lines.append(
            f"| {h} min | {f['n']} | {f['mae_s'] / 60:.1f} min | {f['bias_s'] / 60:+.1f} min | "
            f"{f['coverage']:.0%} | {f['width_s'] / 60:.1f} min | "
            f"{f['baseline_mae_s'] / 60:.1f} min | {f['baseline_coverage']:.0%} | "
            f"{-f['improvement']:+.0%} |"
        )
    t = result["targets_60"]
    mae = "met" if t["mae_40pct_below_baseline"] else "MISSED"
    coverage = "met" if t["coverage_75_to_90pct"] else "MISSED"
    lines += [
        "",
        f"targets at 60 min: MAE >= 40 % below baseline: {mae}; coverage 75-90 %: {coverage}",
        f"wall time {result['wall_s']:.0f} s",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse(argv)
    old_name = setup(args)
    from django.db import connection

    began = time.perf_counter()
    try:
        result = run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    result["wall_s"] = round(time.perf_counter() - began, 1)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
