"""Promises kept: a shop places its orders through delivery options, then the days are planned
and played, and each delivery is compared with the window promised at checkout.

    .venv/bin/python benchmarks/promise_kept.py [--days 1] [--customers 80] [--seed 0]

For each of the next `--days` promisable days (after the depots' cut-off) and each demo depot:
the depot's shifts are booked (copies of its latest day's, as `benchmarks/delivery_options.py`),
`--customers` shoppers around it ask for that day's options through the partner API, pick one
at random, hold it and order with it (`simulator.shop`); the warehouse packs the orders; the
day is optimised (the optimiser's model searched to a local optimum, so the run is repeatable)
and published; then the simulator plays it (its noise model: traffic, driver pace, service
times, late starts, incidents) and every arrival is compared with the promised window. A driver
early for a window waits for it, so "kept" means arriving by the window's end; a stop the plan
could not fit is a promise broken. Capacity used: the day's stops / its capacity in stops as
promising counts it (routing.capacity with the learned stops per driver hour), route hours /
shift hours, and the shoppers offered nothing that day. Target: at least 95 % kept.

Uses DATABASE_URL (default: the embedded PostgreSQL, database `waybill_bench`, created,
migrated and loaded with the demo data when empty, as benchmarks/api.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.api import prepare_database  # noqa: E402


def shop_key() -> str:
    """A fresh key of the demo partner (the demo data is loaded when missing)."""
    import subprocess

    import django

    django.setup()
    from partners.models import ApiKey, Partner
    from partners.services.api_keys import api_key_create

    partner = Partner.objects.filter(memberships__isnull=False).order_by("pk").first()
    if partner is None:
        subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, check=True)
        partner = Partner.objects.filter(memberships__isnull=False).order_by("pk").first()
    _key, raw = api_key_create(partner=partner, name="shop", scopes=list(ApiKey.Scope.values))
    return raw


def play_day(*, date, depot, customers, api, seed_value, log):

    from routing.capacity import depot_capacity_outlook
    from routing.models import Shift
    from simulator.days import deterministic_solve, leg_model, plan_day, shifts_copy, sim_routes
    from simulator.engine import NoiseModel, route_timeline
    from simulator.shop import shop_checkouts

    template_day = (
        Shift.objects.filter(vehicle__depot=depot, date__lt=date)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    template = list(
        Shift.objects.filter(vehicle__depot=depot, date=template_day).select_related("vehicle")
    )
    shifts = shifts_copy(date=date, template=template)
    rng = random.Random(f"promise|{seed_value}|{date}|{depot.code}")
    started = time.perf_counter()
    # A run's own references and Idempotency-Keys (a key is kept a day; reruns must not replay).
    run = f"S{int(time.time()) % 100000:05d}"
    stats = shop_checkouts(
        api=api, warehouse=depot, date=date, count=customers, rng=rng, prefix=run
    )
    checkout_s = time.perf_counter() - started
    plan = plan_day(
        date=date, depot=depot, orders=stats.orders, shifts=shifts, solve=deterministic_solve
    )
    (capacity,) = depot_capacity_outlook(depot=depot, start=date, days=1, learned=True)
    row = {
        "day": date,
        "depot": depot.code,
        "asked": stats.asked,
        "ordered": stats.ordered,
        "left": stats.no_option_that_day,
        "lost": stats.lost_hold,
        "capacity_stops": capacity.capacity_stops,
        "rate": f"{capacity.stops_per_hour:.2f} ({capacity.rate_source})",
        "checkout_s": checkout_s,
    }
    if plan is None:
        log(f"{depot.code} {date}: no plan")
        return row | {"planned": 0, "stops": 0, "kept": 0, "late": 0, "unplanned": stats.ordered}
    noise = NoiseModel(seed=seed_value)
    legs = leg_model()
    arrivals, route_s = {}, 0.0
    for route in sim_routes(plans=[plan]):
        events = route_timeline(route, noise, legs, ping_every_s=600)
        for event in events:
            if event.kind == "arrive":
                arrivals[event.stop] = event.at
        route_s += (events[-1].at - events[0].at).total_seconds()
    stops = list(plan.stops.select_related("order"))
    kept = late = 0
    lateness = []
    for stop in stops:
        promised_end = stop.order.promised_window_end
        arrived = arrivals.get(stop.pk)
        if arrived is None or promised_end is None:
            continue
        if arrived <= promised_end:
            kept += 1
        else:
            late += 1
            lateness.append((arrived - promised_end).total_seconds() / 60)
    shift_s = sum(
        (s.at(s.end_time) - s.at(s.start_time)).total_seconds() for s in shifts if s.vehicle
    )
    # Only this run's promised orders count; the day may hold others (the demo's).
    return row | {
        "planned": kept + late,
        "stops": len(stops),
        "unplanned": stats.ordered - kept - late,
        "kept": kept,
        "late": late,
        "late_median_min": sorted(lateness)[len(lateness) // 2] if lateness else 0.0,
        "route_h": route_s / 3600,
        "shift_h": shift_s / 3600,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--customers", type=int, default=80, help="shoppers per depot and day")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--skip-days", type=int, default=0, help="start this many days after the first"
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:54329/waybill_bench")
    os.environ["API_RATE_LIMIT"] = "100000000/min"
    os.environ["WEBHOOKS_ALLOW_PRIVATE_TARGETS"] = "1"  # the bench seed's webhook endpoint
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    # The same key as the other benchmarks on this database (webhook secrets are encrypted).
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    prepare_database(os.environ["DATABASE_URL"])
    raw = shop_key()

    from django.utils import timezone

    from inventory.models import Warehouse
    from promising.selectors import depot_rules, earliest_day
    from routing.models import Shift
    from simulator.shop import PartnerApi

    api = PartnerApi(raw)
    depots = list(
        Warehouse.objects.filter(
            is_active=True, pk__in=Shift.objects.values("vehicle__depot")
        ).order_by("code")
    )
    now = timezone.now()
    rows = []
    for depot in depots:
        first = earliest_day(depot_rules(depot), now) + dt.timedelta(days=args.skip_days)
        for n in range(args.days):
            row = play_day(
                date=first + dt.timedelta(days=n),
                depot=depot,
                customers=args.customers,
                api=api,
                seed_value=args.seed,
                log=lambda m: print(m, file=sys.stderr),
            )
            rows.append(row)
            print(row, file=sys.stderr)

    print(f"seed {args.seed}, {args.customers} shoppers per depot and day, {args.days} day(s)")
    print(
        "| day | depot | shoppers | ordered | left (day full) | on a route | kept | late "
        "| kept % | stops / capacity | stops a driver hour | route h / shift h |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    total_kept = total_planned = total_ordered = 0
    for r in rows:
        ordered = r["ordered"] or 1
        total_kept += r["kept"]
        total_ordered += r["ordered"]
        total_planned += r["planned"]
        print(
            f"| {r['day']} | {r['depot']} | {r['asked']} | {r['ordered']} | {r['left']} "
            f"| {r['planned']} | {r['kept']} | {r['late']} | {100 * r['kept'] / ordered:.1f} "
            f"| {r['stops']}/{r['capacity_stops']:.0f} | {r['rate']} "
            f"| {r.get('route_h', 0):.1f}/{r.get('shift_h', 0):.1f} |"
        )
    share = 100 * total_kept / (total_ordered or 1)
    asked = sum(r["asked"] for r in rows)
    left = sum(r["left"] for r in rows)
    route_h = sum(r.get("route_h", 0) for r in rows)
    shift_h = sum(r.get("shift_h", 0) for r in rows)
    print(
        f"\nkept {total_kept} of {total_ordered} promised orders ({share:.1f} %; target >= 95 %); "
        f"{total_planned} planned; {left} of {asked} shoppers offered nothing that day "
        f"({100 * left / (asked or 1):.1f} %); capacity used: route hours "
        f"{route_h:.1f} of {shift_h:.1f} shift hours ({100 * route_h / (shift_h or 1):.0f} %)"
    )


if __name__ == "__main__":
    main()
