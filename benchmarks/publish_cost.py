"""What the Publish click costs in process: publishing inline (what the click did before it was
queued) against queueing the publication (what it does now), on the same plans, one after the
other, in this process (CPU with `time.process_time`, wall with `perf_counter`, queries).

    .venv/bin/python benchmarks/buttons.py --repeat 3 --keep        # plans published by clicks
    DATABASE_URL=postgres://…/<dev db>_bench_buttons .venv/bin/python benchmarks/publish_cost.py

It takes the published plans with a date after today (the buttons benchmark's, or any the
database holds; today's and past plans have routes under way) and, for each, in a transaction
that is rolled back: sets the plan back to ready and its routed orders back to packed, then
publishes it, inline (`plan_publish`) or queued (`plan_publish_start`: the checks the click
still makes and the queueing; the task itself is not run: its on-commit is rolled back with
the rest). Nothing is left changed. Prints, per plan and way: stops, CPU ms, wall ms, queries.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class _Rollback(Exception):
    pass


def _measure(plan_id: int, publish, repeat: int) -> dict:
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from orders.models import CustomerOrder
    from routing.models import Plan, Stop
    from routing.services.publication import PUBLISH_KEY

    cpu, wall, queries = [], [], []
    for _ in range(repeat):
        try:
            with transaction.atomic():
                Plan.objects.filter(pk=plan_id).update(status="ready", published_at=None)
                CustomerOrder.objects.filter(route_stops__plan_id=plan_id, status="planned").update(
                    status="packed"
                )
                plan = Plan.objects.get(pk=plan_id)
                with CaptureQueriesContext(connection) as captured:
                    c0, w0 = time.process_time(), time.perf_counter()
                    publish(plan)
                    cpu.append((time.process_time() - c0) * 1000)
                    wall.append((time.perf_counter() - w0) * 1000)
                queries.append(len(captured))
                raise _Rollback
        except _Rollback:
            pass
        cache.delete(PUBLISH_KEY.format(plan_id))
    return {
        "stops": Stop.objects.filter(plan_id=plan_id).count(),
        "cpu_ms": round(statistics.median(cpu), 1),
        "wall_ms": round(statistics.median(wall), 1),
        "queries": int(statistics.median(queries)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--plans", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CACHE_KEY_PREFIX"] = f"bench-publish-cost-{os.getpid()}"
    import django

    django.setup()
    from django.utils import timezone

    from routing.models import Plan
    from routing.services import plan_publish, plan_publish_start

    plans = Plan.objects.filter(status="published", date__gt=timezone.localdate()).order_by("id")
    plans = list(plans[: args.plans])
    if not plans:
        raise SystemExit("No published plan after today: run benchmarks/buttons.py --keep first.")
    print(f"{'plan':<16} {'way':<7} {'stops':>5} {'cpu ms':>7} {'wall ms':>8} {'queries':>7}")
    ways = {
        "inline": lambda plan: plan_publish(plan=plan),
        "queued": lambda plan: plan_publish_start(plan=plan),
    }
    for plan in plans:
        for way, publish in ways.items():
            row = _measure(plan.pk, publish, args.repeat)
            print(
                f"{plan.reference:<16} {way:<7} {row['stops']:>5} {row['cpu_ms']:>7.1f} "
                f"{row['wall_ms']:>8.1f} {row['queries']:>7}",
                flush=True,
            )


if __name__ == "__main__":
    main()
