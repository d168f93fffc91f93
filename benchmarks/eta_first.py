"""What a tick of first ETAs costs the ETA path, with the announcements ("arriving" entries,
their webhook events and e-mails) inside the recompute and handed to their own task.

    .venv/bin/python benchmarks/eta_first.py                 # 500 vans x 10 stops
    .venv/bin/python benchmarks/eta_first.py --vehicles 100

Seeds the same fresh database as benchmarks/eta_load.py (`<dev db>_bench_eta`, dropped and
created) without the warm-up, so every route's first stop becomes next on its first ETA, then
times `routes_etas_refresh` in this process for half the routes with `announce_later=True`
and the other half with `announce_later=False` (as before), in chunks of 250 routes as the ETA
tick takes them, and then the announcement task's own run for the deferred half. Prints one
JSON object: wall and CPU seconds of the slowest chunk of each kind, and of the task.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.eta_load import bench_env, create_database, seed


def first_eta_cost(routes: list[int], chunk: int = 250) -> dict:
    """What a tick of first ETAs costs the ETA path (seeded without warm-up, so every route's
    first stop becomes next and is announced): half the routes in chunks with the
    announcements inside the recompute's transaction, as before, the other half with them
    handed to the announcement task, whose own run is timed after. Wall and CPU seconds of
    this process (PostgreSQL's share shows in wall only)."""
    from django.db import transaction
    from django.utils import timezone

    from routing.models import Stop
    from tracking.services import notifications, routes_etas_refresh

    def timed(fn):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        return result, time.perf_counter() - wall, time.process_time() - cpu

    now = timezone.now()
    half = len(routes) // 2
    out = {}
    # The deferred half goes first, so it pays for the first call's warm-up (templates,
    # caches): the comparison leans against the change, not for it.
    for label, ids, later in (("deferred", routes[half:], True), ("inline", routes[:half], False)):
        walls, cpus = [], []
        for k in range(0, len(ids), chunk):
            part = ids[k : k + chunk]
            # The callbacks a commit would run (the announcement task) are kept, not run.
            with transaction.atomic():
                _, wall, cpu = timed(
                    lambda part=part, later=later: routes_etas_refresh(
                        route_ids=part, now=now, announce_later=later
                    )
                )
            walls.append(wall)
            cpus.append(cpu)
        out[f"tick_{label}_routes"] = len(ids)
        out[f"tick_{label}_wall_s_per_chunk"] = round(max(walls), 2)
        out[f"tick_{label}_cpu_s_per_chunk"] = round(max(cpus), 2)
    firsts = list(
        Stop.objects.filter(route_id__in=routes[half:], sequence=1).values_list("pk", flat=True)
    )
    announced, wall, cpu = timed(
        lambda: notifications.stops_announce(next_stop_ids=firsts, moved=[])
    )
    out.update(
        chunk=chunk,
        announce_task_stops=announced,
        announce_task_wall_s=round(wall, 2),
        announce_task_cpu_s=round(cpu, 2),
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vehicles", type=int, default=500)
    parser.add_argument("--stops", type=int, default=10)
    parser.add_argument("--vehicles-per-chunk", type=int, default=250)
    args = parser.parse_args()
    env = bench_env(args)
    create_database(env)
    data = seed(env, args.vehicles, args.stops, warm_up=False)
    print(json.dumps(first_eta_cost(data["routes"], chunk=args.vehicles_per_chunk)))


if __name__ == "__main__":
    main()
