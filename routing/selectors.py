"""Routing reads used by pages, the API and other apps (tracking, driver app)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, Sum

from orders.models import CustomerOrder, Return, ReturnLine, ReturnStatus
from routing.fleet.selectors import shifts_workable
from routing.models import OptimizationJob, Plan, PlanStatus, Route, Shift, Stop
from routing.services.plans import PLANNABLE_ORDER_STATUSES, returns_to_pick_up


def plan_list(*, date: dt.date | None = None):
    plans = Plan.objects.prefetch_related("depots").annotate(
        route_count=Count("routes", distinct=True),
        order_count=Count("orders", distinct=True),
    )
    if date is not None:
        plans = plans.filter(date=date)
    return plans.order_by("-date", "-id")


def _stops_with_returns():
    """Stops with their order, and for pickups the return and its lines (what to collect)."""
    lines = ReturnLine.objects.select_related("order_line__product").order_by("pk")
    return (
        Stop.objects.select_related("order", "ret")
        .prefetch_related(Prefetch("ret__lines", queryset=lines))
        .order_by("sequence")
    )


def plan_routes(*, plan: Plan) -> list[Route]:
    """Routes with vehicle, driver and stops (with orders, and returns for pickups)."""
    stops = _stops_with_returns()
    return list(
        Route.objects.filter(plan=plan)
        .select_related("vehicle__depot", "driver__user", "shift")
        .prefetch_related(Prefetch("stops", queryset=stops))
        .order_by("sequence")
    )


def plan_totals(*, plan: Plan) -> dict:
    """What the plan's routes add up to, for dispatchers: routes, stops, distance and driving
    plus service time (the solver's objective, with its penalties, means nothing to them)."""
    totals = Route.objects.filter(plan=plan).aggregate(
        routes=Count("id"),
        distance_m=Sum("distance_m"),
        duration_s=Sum("duration_s"),
    )
    totals["stops"] = Stop.objects.filter(route__plan=plan).count()
    return {key: value or 0 for key, value in totals.items()}


def routes_by_depot(*, plan: Plan, routes: list[Route]) -> list[dict]:
    """The plan's routes grouped by their vehicle's depot (depot code order); depots of the
    plan without a route are listed too, empty."""
    groups = {d.pk: {"depot": d, "routes": []} for d in plan.depots.all()}
    for r in routes:
        depot = r.vehicle.depot
        groups.setdefault(depot.pk, {"depot": depot, "routes": []})["routes"].append(r)
    return sorted(groups.values(), key=lambda g: g["depot"].code)


def pickups_for_plan(*, date: dt.date, depots):
    """Returns a new plan for `date` at `depots` would pick up (see `returns_to_pick_up`),
    with their order, customer and lines for the new-plan page."""
    lines = ReturnLine.objects.select_related("order_line__product").order_by("pk")
    return (
        returns_to_pick_up(date=date, depots=depots)
        .select_related("order__customer", "warehouse")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("created_at", "pk")
    )


def plan_latest_job(*, plan: Plan) -> OptimizationJob | None:
    return plan.jobs.order_by("-created_at", "-id").first()


def plan_map_data(*, plan: Plan, routes: list[Route] | None = None) -> dict:
    """Depots, routes (colour, line through the stops) and numbered stops for the Leaflet map;
    plain JSON so the page draws it with or without map tiles."""
    routes = routes if routes is not None else plan_routes(plan=plan)
    depots = [
        {"code": d.code, "name": d.name, "lat": float(d.latitude), "lon": float(d.longitude)}
        for d in plan.depots.all()
    ]
    by_code = {d["code"]: d for d in depots}
    out_routes = []
    for r in routes:
        depot = by_code.get(r.vehicle.depot.code)
        stops = [
            {
                "n": s.sequence,
                "order": s.ref,
                "pickup": s.is_pickup,
                "lat": float(lat),
                "lon": float(lon),
                "status": s.status,
                "arrival": s.planned_arrival.isoformat(),
            }
            for s in r.stops.all()
            for lat, lon in [_stop_point(s)]
            if lat is not None
        ]
        line = [[s["lat"], s["lon"]] for s in stops]
        if depot:
            line = [[depot["lat"], depot["lon"]], *line, [depot["lat"], depot["lon"]]]
        out_routes.append(
            {
                "id": r.pk,
                "number": r.sequence,
                "vehicle": r.vehicle.code,
                "colour": r.colour,
                "locked": r.is_locked,
                "line": line,
                "stops": stops,
            }
        )
    return {"depots": depots, "routes": out_routes}


def _stop_point(stop: Stop) -> tuple:
    if stop.is_pickup:
        return stop.ret.pickup_latitude, stop.ret.pickup_longitude
    return stop.order.latitude, stop.order.longitude


def pickup_for_driver(*, stop: Stop, tz) -> dict:
    """What a pickup stop shows the driver instead of the order's delivery: the return (its
    reference and lines to collect), its pickup address, window in `tz` and map link."""
    ret = stop.ret
    window = "any time"
    if stop.window_start and stop.window_end:
        window = f"{stop.window_start.astimezone(tz):%H:%M}-{stop.window_end.astimezone(tz):%H:%M}"
    at = f"{ret.pickup_latitude},{ret.pickup_longitude}"
    return {
        "ret": ret,
        "address": ret.pickup_address,
        "window": window,
        "customer_instructions": "",
        "geo": f"geo:{at}?q={at}" if ret.pickup_latitude is not None else "",
    }


def order_pickups(*, order: CustomerOrder) -> list[dict]:
    """The order's returns picked up by us (not rejected), each with its lines and the latest
    pickup stop of a published plan (None until one is planned): for the customer's page."""
    lines = ReturnLine.objects.select_related("order_line__product").order_by("pk")
    returns = (
        Return.objects.filter(order=order, method=Return.Method.PICKUP)
        .exclude(status=ReturnStatus.REJECTED)
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("created_at", "pk")
    )
    out = []
    for ret in returns:
        stop = (
            Stop.objects.filter(ret=ret, plan__status=PlanStatus.PUBLISHED)
            .order_by("-plan__date", "-pk")
            .first()
        )
        out.append({"ret": ret, "stop": stop})
    return out


def plannable_orders(*, date: dt.date, depots, search: str = "", status: str = ""):
    """Orders a plan for `date` may take: confirmed..packed at one of `depots`, with a window
    touching that day, and on no route of that day yet."""
    day_start = dt.datetime.combine(date, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(hours=14)
    day_end = day_start + dt.timedelta(hours=24 + 28)
    orders = (
        CustomerOrder.objects.filter(
            warehouse__in=depots,
            status__in=PLANNABLE_ORDER_STATUSES,
            window_start__lt=day_end,
            window_end__gt=day_start,
        )
        .exclude(route_stops__plan__date=date)
        .select_related("customer", "warehouse")
        .order_by("window_start", "reference")
    )
    if search:
        orders = orders.filter(
            Q(reference__icontains=search)
            | Q(customer__name__icontains=search)
            | Q(address__icontains=search)
        )
    if status:
        orders = orders.filter(status=status)
    return orders


def available_shifts(*, date: dt.date, depots):
    """Shifts that day with a vehicle of `depots`, not yet driving another plan's route, whose
    driver is not on time off."""
    return (
        shifts_workable(Shift.objects.all())
        .filter(date=date, vehicle__depot__in=depots, vehicle__is_active=True)
        .exclude(routes__plan__date=date)
        .select_related("vehicle__depot", "driver__user")
        .order_by("vehicle__code")
    )


def driver_routes(*, user, date: dt.date | None = None):
    """The published routes a driver drives (on `date`, default all), stops in order."""
    routes = Route.objects.filter(driver__user=user, plan__status=PlanStatus.PUBLISHED)
    if date is not None:
        routes = routes.filter(plan__date=date)
    stops = _stops_with_returns()
    return (
        routes.select_related("plan", "vehicle", "shift")
        .prefetch_related(Prefetch("stops", queryset=stops))
        .order_by("plan__date", "start_at")
    )
