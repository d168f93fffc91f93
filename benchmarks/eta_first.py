"""What a tick of first ETAs costs the ETA path: the drivers' speed priors read for the whole
tick at once against one driver at a time, and the announcement task that follows.

    .venv/bin/python benchmarks/eta_first.py                 # 500 vans x 10 stops, 50 a tick
    .venv/bin/python benchmarks/eta_first.py --vehicles 100 --vehicles-per-chunk 100

Seeds the same fresh database as benchmarks/eta_load.py (`<dev db>_bench_eta`, dropped and
created) without the warm-up, so no route has an ETA, no driver's priors are cached and every
route's first stop becomes next on its first ETA. Then times `routes_etas_refresh` in this
process as the ETA tick calls it (`announce_later=True`), in chunks of `--vehicles-per-chunk`
routes (50: what one 1-second tick meets when 500 vans ping every 10 s): half the routes with
the priors read for the whole chunk (`priors_warm`, now), the other half one driver at a time
(`learning.hour_prior` on a cache miss, as before); then the announcement task's own run for
the first half. Prints one JSON object: wall and CPU seconds per chunk (median and slowest)
of each kind, queries per chunk, and the task's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.eta_load_seed import bench_env, create_database, seed


def first_eta_cost(routes: list[int], chunk: int = 50) -> dict:
    """Wall and CPU seconds of this process per chunk of first ETAs, priors in bulk (first
    half; it also pays the process's warm-up, so the comparison leans against the change) and
    per driver (second half), and of the announcement task for the first half."""
    from unittest import mock

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from routing.models import Stop
    from tracking.services import notifications, routes_etas_refresh
    from tracking.services.eta import refresh

    def timed(fn):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        return result, time.perf_counter() - wall, time.process_time() - cpu

    now = timezone.now()
    half = len(routes) // 2
    out = {"routes_per_chunk": chunk}
    for label, ids in (("bulk_priors", routes[:half]), ("per_driver_priors", routes[half:])):
        walls, cpus, queries = [], [], []
        patch = (
            mock.patch.object(refresh, "priors_warm", lambda **kwargs: 0)
            if label == "per_driver_priors"
            else mock.patch.object(refresh, "priors_warm", refresh.priors_warm)
        )
        with patch:
            for k in range(0, len(ids), chunk):
                part = ids[k : k + chunk]
                # The callbacks a commit would run (the announcement task) are kept, not run.
                with transaction.atomic(), CaptureQueriesContext(connection) as seen:
                    _, wall, cpu = timed(
                        lambda part=part: routes_etas_refresh(
                            route_ids=part, now=now, announce_later=True
                        )
                    )
                walls.append(wall)
                cpus.append(cpu)
                queries.append(len(seen))
        out.update(
            {
                f"{label}_chunks": len(walls),
                f"{label}_wall_s_median": round(statistics.median(walls), 3),
                f"{label}_wall_s_max": round(max(walls), 3),
                f"{label}_cpu_s_median": round(statistics.median(cpus), 3),
                f"{label}_cpu_s_max": round(max(cpus), 3),
                f"{label}_queries_median": statistics.median(queries),
            }
        )
    firsts = list(
        Stop.objects.filter(route_id__in=routes[:half], sequence=1).values_list("pk", flat=True)
    )
    announced, wall, cpu = timed(
        lambda: notifications.stops_announce(next_stop_ids=firsts, moved=[])
    )
    out.update(
        announce_task_stops=announced,
        announce_task_wall_s=round(wall, 2),
        announce_task_cpu_s=round(cpu, 2),
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vehicles", type=int, default=500)
    parser.add_argument("--stops", type=int, default=10)
    parser.add_argument("--vehicles-per-chunk", type=int, default=50)
    args = parser.parse_args()
    env = bench_env(args)
    create_database(env)
    data = seed(env, args.vehicles, args.stops, warm_up=False)
    print(json.dumps(first_eta_cost(data["routes"], chunk=args.vehicles_per_chunk)))


if __name__ == "__main__":
    main()
