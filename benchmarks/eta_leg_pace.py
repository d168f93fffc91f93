"""What the leg's pace costs a recompute, beside the recompute's own arithmetic in the same run.

    .venv/bin/python benchmarks/eta_leg_pace.py [--stops 20] [--repeat 3000]

In process, no database: `current_leg_pace` (one provider matrix of three points: the leg's
start, the ping, the next stop) against `etas_compute` for a route of `--stops` stops from the
same ping, both with the configured travel provider (haversine by default). Each call moves the
ping a little so no provider cache answers. Prints microseconds per route for each and the
share the pace adds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from inventory.models import Warehouse  # noqa: E402
from routing import services as routing_services  # noqa: E402
from routing.models import Route, Vehicle  # noqa: E402
from tracking.eta import EtaStop, etas_compute  # noqa: E402
from tracking.services.eta.refresh import current_leg_pace  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stops", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3000)
    args = parser.parse_args()
    depot = Warehouse(
        code="BENCH", latitude=Decimal("52.52"), longitude=Decimal("13.405"), timezone="UTC"
    )
    started = dt.datetime(2026, 3, 2, 7, tzinfo=dt.UTC)
    route = Route(vehicle=Vehicle(depot=depot), breaks=[], start_at=started)
    provider = routing_services.travel_provider()
    stops = [
        EtaStop(key=k, point=(52.48 + 0.004 * k, 13.44 - 0.003 * k), service_s=300)
        for k in range(args.stops)
    ]
    now = started + dt.timedelta(minutes=9)

    def ping(k: int):
        return (52.50 + k * 1e-6, 13.42)

    t = time.perf_counter()
    for k in range(args.repeat):
        current_leg_pace(
            route=route,
            stops=[],
            started_at=started,
            at=(ping(k), now),
            to=stops[0].point,
            ratio_at=lambda hour: 1.1,
            provider=provider,
        )
    pace_us = 1e6 * (time.perf_counter() - t) / args.repeat
    t = time.perf_counter()
    for k in range(args.repeat):
        etas_compute(
            origin=ping(k), ready_at=now, stops=stops, provider=provider, tz=dt.UTC, now=now
        )
    route_us = 1e6 * (time.perf_counter() - t) / args.repeat
    print(f"provider: {type(provider).__name__}; {args.stops} stops; {args.repeat} calls each")
    print(f"etas_compute (the route's ETAs, reference): {route_us:,.0f} us per route")
    print(f"current_leg_pace:                           {pace_us:,.0f} us per route")
    print(f"the pace adds {100 * pace_us / route_us:.1f} % to the arithmetic of a recompute")


if __name__ == "__main__":
    main()
