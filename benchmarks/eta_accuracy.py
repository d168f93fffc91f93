"""ETA accuracy on unseen days: play fresh simulated days through the API, score the ETAs.

    .venv/bin/python benchmarks/eta_accuracy.py --seeds 1 2 3 4 5 [--warmup 2] [--days 10]
        [--jobs N] [--redis-db DB] [--json] [--trace DIR]

Per seed, in a fresh database: `--warmup` days are played first (the engine learns speed ratios
and error windows from them) and not scored; then `--days` days are played and scored. Every
morning the ETA windows are cut from the errors of the days before (the beat task
`tracking.tasks.eta_windows_refresh`, at 00:05), so each scored day's windows and speed priors
were learned only from earlier days: every scored day is one the engine has never seen.

Each day: new orders (orders services), shifts, a plan optimised (the OR-Tools model searched to
a local optimum so the plan does not depend on CPU load) and published at 06:00 (its first ETAs
then), then the simulated drivers play it through the driver API (Django test client in this
process, Celery eager, the shared clock pinned to each event) — pings, arrivals, deliveries,
failures — and the beat's ETA sweep runs every 30 s, so the ETA engine runs exactly as in
production. At 15/30/60/120 minutes before each actual arrival the benchmark reads the ETA and
window the customer is shown then, and compares with the naive baseline: the optimiser's
planned arrival, never updated.

Ten scored days a seed by default (600 arrivals at each horizon). One day's coverage is 5 to 9
points off the seed's (standard deviation, 15 to 120 minutes: a delay hits many stops of a route
at once), so three days, the default until the eighth session, measured a seed only to ±3 to 5
points, about the half-width of the issue's 77-85 % band. The table prints each coverage's
standard error with the days as clusters (`eta_accuracy_report.coverage_se`). Five seeds take
23-27 minutes with `--jobs 2`.

Runs in a throwaway database per seed (created and dropped; `--database` prefixes its name)
and a Redis database of its own per seed played at once (`--jobs` seeds in parallel processes),
so it touches neither the dev data nor a running demo. Deterministic for a given seed and
arguments, whatever `--jobs`.

`--trace DIR` also writes, per seed, `DIR/seed-S.json`: every ETA the engine computed (when,
for which stop, the van's arrival, the window written), every arrival and every observation.
The simulated days do not depend on the windows (the point ETA is the van's own arrival and
the simulated drivers read no window), so `benchmarks/eta_windows_replay.py` can replay
window policies on a trace in seconds, where a benchmark run takes minutes.
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

from benchmarks.eta_accuracy_report import (  # noqa: E402
    HORIZONS_MIN,
    by_day,
    pooled,
    table,
    targets,
)

FIRST_DAY = dt.date(2026, 3, 2)
SWEEP_EVERY_S = 30  # config/settings.py CELERY_BEAT_SCHEDULE["tracking-eta-sweep"]
# The depot's morning: the windows are refreshed, then the day's plan published.
REFRESH_AT, PUBLISH_AT = dt.time(0, 5), dt.time(6, 0)

# The hot paths of tracking pipeline raw Redis commands, so the benchmark runs on Redis too: a
# database of its own per parallel job (--redis-db + job, of Redis's 16), which `cache.clear()`
# empties every simulated morning. Two runs at once need databases apart.
BENCH_REDIS_DB = 7
REDIS_DATABASES = 16

try:
    from django.core.cache.backends.redis import RedisCache
except ImportError:  # pragma: no cover
    RedisCache = object


class LearnedOnceCache(RedisCache):
    """Entries never expire by wall time (timeout 0 still means "not at all"): the ETA
    engine's cached priors and windows then change only when the benchmark clears the cache
    (each morning), never at a moment that depends on how fast this machine is."""

    def get_backend_timeout(self, timeout=None):
        return super().get_backend_timeout(timeout) if timeout == 0 else None


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", help="Seeds to run, one after another.")
    parser.add_argument("--seed", type=int, default=1, help="One seed (when --seeds is not given).")
    parser.add_argument("--days", type=int, default=10, help="Scored days per seed.")
    parser.add_argument("--warmup", type=int, default=2, help="Days learned from, not scored.")
    parser.add_argument("--vehicles", type=int, default=4)
    parser.add_argument("--stops", type=int, default=60, help="Orders per day.")
    parser.add_argument("--ping-every", type=int, default=30, help="Simulated seconds.")
    parser.add_argument("--upload-every", type=int, default=120, help="Simulated seconds.")
    parser.add_argument("--database", default="bench_eta_accuracy")
    parser.add_argument("--jobs", type=int, default=1, help="Seeds played at once (processes).")
    parser.add_argument(
        "--redis-db", type=int, default=BENCH_REDIS_DB, help="First Redis database used."
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--trace", type=Path, help="Write every ETA computed and every arrival per seed here."
    )
    args = parser.parse_args(argv)
    args.seeds = args.seeds or [args.seed]
    if args.jobs < 1 or not 0 <= args.redis_db <= REDIS_DATABASES - args.jobs:
        parser.error(
            f"--jobs is at least 1 and --redis-db + --jobs at most {REDIS_DATABASES} "
            "(one Redis database per job)"
        )
    return args


def setup(args, *, job: int = 0) -> None:
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
            "BACKEND": f"{LearnedOnceCache.__module__}.LearnedOnceCache",
            "LOCATION": urlunsplit(url._replace(path=f"/{args.redis_db + job}")),
            "KEY_PREFIX": "bench-eta",
        }
    }
    settings.TRACKING_ETA_DEBOUNCE_S = 0  # every ping upload recomputes (as at real speed)
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    if args.trace:
        trace_install()


# What --trace records (per seed: reset by `seed_run`).
TRACE: dict = {}


def trace_install() -> None:
    """Record every ETA result the engine writes (`Writes.plan` sees each recompute's results,
    written or not) as [computed at, stop, arrival, low, high, shift, order] in epoch seconds,
    and every stop reached as [order, stop, arrived at]: `order` counts both, so a replay takes
    an arrival and a recompute of another route at the same instant in the engine's order."""
    from tracking.services import stops as stop_services
    from tracking.services.eta.writes import Writes

    plan, reached = Writes.plan, stop_services.stop_reached_record

    def order() -> int:
        TRACE["order"] = TRACE.get("order", 0) + 1
        return TRACE["order"]

    def traced_reached(*, stop, arrived_at):
        TRACE.setdefault("reached", []).append([order(), stop.pk, arrived_at.timestamp()])
        return reached(stop=stop, arrived_at=arrived_at)

    stop_services.stop_reached_record = traced_reached

    def traced(self, *, route, stops, remaining, results, now, started):
        at = order()
        TRACE.setdefault("etas", []).extend(
            [
                now.timestamp(),
                r.key,
                r.eta.timestamp(),
                r.low.timestamp(),
                r.high.timestamp(),
                r.shift_s,
                at,
            ]
            for r in results
        )
        return plan(
            self,
            route=route,
            stops=stops,
            remaining=remaining,
            results=results,
            now=now,
            started=started,
        )

    Writes.plan = traced


def morning(*, date: dt.date, depot) -> None:
    """What happens before a delivery day: the nightly window refresh (as the beat runs it,
    in TIME_ZONE), then the clock at the depot's 06:00, when the plan is published."""
    from django.core.cache import cache
    from django.utils import timezone

    from simulator.player import FROZEN_SPEED
    from tracking import clock, tasks

    cache.clear()  # the engine re-reads what it learned so far (nightly, in effect)
    at = timezone.make_aware(dt.datetime.combine(date, REFRESH_AT))
    clock.clock_set(at=at, speed=FROZEN_SPEED)
    tasks.eta_windows_refresh.delay()
    publish = dt.datetime.combine(date, PUBLISH_AT, tzinfo=depot.tzinfo)
    clock.clock_set(at=max(publish, at), speed=FROZEN_SPEED)


def play_day(*, date, depot, template, args, seed, noise, scored: bool, observations: list):
    from routing.models import Stop
    from simulator import days
    from simulator.metrics import Observation
    from simulator.player import ClientTransport, DayPlayer
    from tracking.tasks import eta_sweep

    morning(date=date, depot=depot)
    rng = random.Random(f"eta-bench|{seed}|{date}")
    orders = days.orders_create(warehouse=depot, date=date, count=args.stops, rng=rng)
    shifts = days.shifts_copy(date=date, template=template)
    planning = time.process_time()
    plan = days.plan_day(
        date=date, depot=depot, orders=orders, shifts=shifts, solve=days.deterministic_solve
    )
    plan_cpu_s = time.process_time() - planning
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
    # The beat's ETA sweep (`tracking-eta-sweep`, every 30 s) as in production: it recomputes
    # routes edited without telling tracking and routes late to start (no pings yet).
    publish = dt.datetime.combine(date, PUBLISH_AT, tzinfo=depot.tzinfo)
    sweeps = int((max(arrivals.values()) - publish).total_seconds() // SWEEP_EVERY_S) + 1
    player.add_observers(
        [(publish + dt.timedelta(seconds=SWEEP_EVERY_S * k), eta_sweep) for k in range(sweeps)]
    )

    def observe(stop_id: int, horizon_s: int):
        def read():
            row = Stop.objects.values("eta", "eta_low", "eta_high", "planned_arrival").get(
                pk=stop_id
            )
            if row["eta"] is None:  # no ETA shown yet
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
    if args.trace:
        TRACE.setdefault("arrivals", []).extend(
            [stop, at.timestamp(), date.isoformat(), scored] for stop, at in arrivals.items()
        )
    return {
        "date": date.isoformat(),
        "scored": scored,
        "routes": plan.routes.count(),
        "stops": plan.stops.count(),
        "unassigned": len(plan.unassigned),
        "plan_cpu_s": round(plan_cpu_s, 1),  # create, optimise, publish (first ETAs)
        "no_eta_yet": skipped["no_eta"],
        **stats.as_dict(),
    }


def windows_table() -> list[dict]:
    """The windows of the last day played, as minutes from the model's arrival."""
    from tracking.models import EtaWindow

    last = EtaWindow.objects.order_by("-day").values_list("day", flat=True).first()
    return [
        {
            "from_min": w.horizon_from_s / 60,
            "at_min": round(w.horizon_s / 60, 1),
            "low_min": round(w.low_s / 60, 1),
            "high_min": round(w.high_s / 60, 1),
            "arrivals": w.arrivals,
            "prior": w.is_prior,
        }
        for w in EtaWindow.objects.filter(day=last).order_by("horizon_from_s")
    ]


def centres_of(date: dt.date) -> dict[str, float]:
    """The learned centre (median model error, minutes) the day's windows put at each horizon:
    what re-centring would shift the point ETA by."""
    from tracking.eta import ErrorWindows, HorizonWindow
    from tracking.models import EtaWindow

    rows = EtaWindow.objects.filter(day=date).order_by("horizon_s")
    points = tuple(HorizonWindow(w.horizon_s, w.low_s, w.high_s, w.centre_s) for w in rows)
    if not points:
        return {}
    windows = ErrorWindows(points)
    return {str(h): round(windows.at(h * 60).centre_s / 60, 1) for h in HORIZONS_MIN}


def seed_run(args, seed: int) -> dict:
    from django.conf import settings
    from django.db import connection

    from simulator.engine import NoiseModel
    from simulator.metrics import horizon_metrics
    from simulator.world import world_create

    settings.DATABASES["default"]["TEST"]["NAME"] = f"{args.database}_{seed}"
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    began = time.perf_counter()
    TRACE.clear()
    try:
        depot, template = world_create(vehicles=args.vehicles)
        noise = NoiseModel(seed=seed)
        observations: list = []
        day_stats = []
        for n in range(args.warmup + args.days):
            day_stats.append(
                play_day(
                    date=FIRST_DAY + dt.timedelta(days=n),
                    depot=depot,
                    template=template,
                    args=args,
                    seed=seed,
                    noise=noise,
                    scored=n >= args.warmup,
                    observations=observations,
                )
            )
            day_stats[-1]["centre_min"] = centres_of(FIRST_DAY + dt.timedelta(days=n))
            if not args.json:
                print(f"  seed {seed}: played {day_stats[-1]}", file=sys.stderr, flush=True)
        windows = windows_table()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    from tracking import conf

    if args.trace:
        args.trace.mkdir(parents=True, exist_ok=True)
        TRACE["observations"] = [
            [o.stop, o.horizon_s, o.actual.timestamp(), o.low.timestamp(), o.high.timestamp()]
            for o in observations
        ]
        TRACE["tz"] = str(depot.tzinfo)
        (args.trace / f"seed-{seed}.json").write_text(json.dumps(TRACE))
    return {
        "seed": seed,
        "coverage": conf.get("TRACKING_ETA_COVERAGE"),
        "stops": len({o.stop for o in observations}),
        "horizons": horizon_metrics(observations),
        "by_day": {
            day: {
                h: {"n": f["n"], "coverage": f["coverage"], "bias_s": f["bias_s"]}
                for h, f in figures.items()
            }
            for day, figures in by_day(observations).items()
        },
        "windows_last_day": windows,
        "per_day": day_stats,
        "wall_s": round(time.perf_counter() - began, 1),
    }


def seeds_job(args, seeds: list[int], job: int) -> list[dict]:
    """Seeds one after another in a process of their own, on Redis database --redis-db + job
    (Django is set up once per process)."""
    setup(args, job=job)
    runs = []
    for seed in seeds:
        run = seed_run(args, seed)
        run["targets"] = targets(run["horizons"])
        runs.append(run)
    return runs


def main(argv=None) -> int:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    args = parse(argv)
    load_before = [round(x, 1) for x in os.getloadavg()]
    began = time.perf_counter()
    jobs = min(args.jobs, len(args.seeds))
    slots = [args.seeds[k::jobs] for k in range(jobs)]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        done = [pool.submit(seeds_job, args, seeds, job) for job, seeds in enumerate(slots)]
        by_seed = {run["seed"]: run for future in done for run in future.result()}
    runs = [by_seed[seed] for seed in args.seeds]
    result = {
        "seeds": args.seeds,
        "days": args.days,
        "warmup_days": args.warmup,
        "stops_per_day": args.stops,
        "coverage": runs[0]["coverage"],
        "runs": runs,
        "pooled": pooled(runs),
        "wall_s": round(time.perf_counter() - began, 1),
        "load_average": {"before": load_before, "after": [round(x, 1) for x in os.getloadavg()]},
    }
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
