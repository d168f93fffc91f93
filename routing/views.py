"""Dispatcher pages: plan list, plan creation, the plan (map, routes, progress), edits, route
sheets and CSV export. Thin: every change goes through routing.services."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from core.exceptions import DomainError
from core.permissions import RoleRequiredMixin
from core.roles import Role
from routing import selectors, services
from routing.forms import OptimizeForm, PlanCreateForm, PlanFilterForm, StopMoveForm
from routing.models import Engine, JobStatus, OptimizationJob, Plan, Route, Stop


class DispatcherView(RoleRequiredMixin, View):
    allowed_roles = [Role.DISPATCHER]


def _plan(reference: str) -> Plan:
    return get_object_or_404(Plan.objects.prefetch_related("depots"), reference=reference)


def _fail(request, exc: DomainError) -> None:
    reasons = [e["message"] for e in exc.errors if e.get("message") and e["message"] != exc.detail]
    messages.error(request, " ".join([exc.detail, *reasons]) if len(reasons) > 1 else exc.detail)


class PlanListView(DispatcherView):
    def get(self, request):
        plans = selectors.plan_list()[:100]
        return render(request, "routing/plan_list.html", {"plans": plans})


class PlanCreateView(DispatcherView):
    """Pick the day and depots (GET filters), then orders, returns to pick up and vehicles
    (POST creates)."""

    def _context(self, request, data=None):
        filters = PlanFilterForm(request.GET or None)
        context = {"filters": filters, "form": None}
        if filters.is_valid():
            f = filters.cleaned_data
            depots = list(f["depot"])
            orders = selectors.plannable_orders(
                date=f["date"], depots=depots, search=f["q"], status=f["status"]
            )
            shifts = selectors.available_shifts(date=f["date"], depots=depots)
            returns = selectors.pickups_for_plan(date=f["date"], depots=depots)
            context["form"] = PlanCreateForm(
                data,
                orders=orders,
                shifts=shifts,
                returns=returns,
                initial={
                    "date": f["date"],
                    "depot": depots,
                    "orders": list(orders),
                    "shifts": list(shifts),
                    "returns": list(returns),
                },
            )
            context["order_rows"] = list(orders)
            context["shift_rows"] = list(shifts)
            context["return_rows"] = list(returns)
            context["depots"] = depots
        return context

    def get(self, request):
        return render(request, "routing/plan_create.html", self._context(request))

    def post(self, request):
        context = self._context(request, request.POST)
        form = context["form"]
        if form is None or not form.is_valid():
            return render(request, "routing/plan_create.html", context, status=400)
        d = form.cleaned_data
        try:
            plan = services.plan_create(
                date=d["date"],
                depots=list(d["depot"]),
                orders=d["orders"],
                shifts=d["shifts"],
                returns=d["returns"],
                user=request.user,
                minimise_vehicles=d["minimise_vehicles"],
                time_limit_s=d["time_limit_s"],
                engine=d["engine"] or Engine.AUTO,
            )
        except DomainError as exc:
            form.add_error(None, exc.detail)
            return render(request, "routing/plan_create.html", context, status=422)
        messages.success(request, f"Plan {plan.reference} created. Optimise it when ready.")
        return redirect("routing:plan", reference=plan.reference)


class PlanDetailView(DispatcherView):
    def get(self, request, reference):
        plan = _plan(reference)
        routes = selectors.plan_routes(plan=plan)
        job = selectors.plan_latest_job(plan=plan)
        publication = services.plan_publication_state(plan=plan)
        publishing = _publishing(publication)
        context = {
            "plan": plan,
            "routes": routes,
            "job": job,
            "publication": publication,
            "publishing": publishing,
            "totals": selectors.plan_totals(plan=plan),
            "map_data": selectors.plan_map_data(plan=plan, routes=routes),
            "depot_groups": selectors.routes_by_depot(plan=plan, routes=routes),
            "optimize_form": OptimizeForm(
                initial={"time_limit_s": plan.time_limit_s, "engine": plan.engine}
            ),
            "order_count": plan.orders.count(),
            "tiles_url": _tiles_url(),
            "can_edit": not (job and not job.is_finished) and not publishing,
            "plan_tz": _plan_tz(plan),
        }
        return render(request, "routing/plan_detail.html", context)


def _publishing(publication: dict | None) -> bool:
    return bool(publication and publication["status"] in ("queued", "running"))


def _plan_tz(plan: Plan) -> str:
    depots = sorted(plan.depots.all(), key=lambda d: d.code)
    return depots[0].timezone if depots else "UTC"


def _tiles_url() -> str:
    from django.conf import settings

    return getattr(settings, "MAP_TILES_URL", "") or ""


class PlanProgressView(DispatcherView):
    """The small fragment the plan page polls while a job or a publication runs; when it has
    finished it tells htmx to reload the page so the new routes (or the published plan, or why
    publishing failed) appear."""

    def get(self, request, reference):
        plan = _plan(reference)
        job = selectors.plan_latest_job(plan=plan)
        publication = services.plan_publication_state(plan=plan)
        publishing = _publishing(publication)
        context = {
            "plan": plan,
            "job": job,
            "publication": publication,
            "publishing": publishing,
            "totals": selectors.plan_totals(plan=plan),
        }
        response = render(request, "routing/_progress.html", context)
        busy = publishing or (job is not None and not job.is_finished)
        if request.htmx and request.GET.get("watching") and not busy:
            response["HX-Refresh"] = "true"
        return response


class PlanOptimizeView(DispatcherView):
    def post(self, request, reference):
        plan = _plan(reference)
        form = OptimizeForm(request.POST)
        if not form.is_valid():
            messages.error(
                request,
                " ".join(e for errors in form.errors.values() for e in errors)
                or "Give a time limit of at least 1 second.",
            )
            return redirect("routing:plan", reference=reference)
        kind = (
            OptimizationJob.Kind.REOPTIMIZE
            if request.POST.get("kind") == "reoptimize"
            else OptimizationJob.Kind.OPTIMIZE
        )
        try:
            services.plan_optimize(
                plan=plan,
                user=request.user,
                time_limit_s=form.cleaned_data["time_limit_s"],
                kind=kind,
                engine=form.cleaned_data["engine"] or None,  # None: the plan's engine
            )
        except DomainError as exc:
            _fail(request, exc)
        return redirect("routing:plan", reference=reference)


class PlanPublishView(DispatcherView):
    """Publish: refused at once when the plan cannot be published; otherwise queued (a task
    plans every routed order) and the plan page follows it."""

    def post(self, request, reference):
        try:
            start = services.plan_publish_start(plan=_plan(reference), user=request.user)
            messages.info(
                request,
                f"Publishing {reference}; this page updates when drivers can see their routes."
                if start.queued
                else f"{reference} is already being published.",
            )
        except DomainError as exc:
            _fail(request, exc)
        return redirect("routing:plan", reference=reference)


class JobCancelView(DispatcherView):
    def post(self, request, job_id):
        job = get_object_or_404(OptimizationJob.objects.select_related("plan"), pk=job_id)
        try:
            job = services.job_cancel(job=job)
            messages.info(
                request,
                "Cancelled."
                if job.status == JobStatus.CANCELLED
                else "Stopping the optimiser; the current routes stay.",
            )
        except DomainError as exc:
            _fail(request, exc)
        return redirect("routing:plan", reference=job.plan.reference)


class RouteLockView(DispatcherView):
    def post(self, request, route_id):
        route = get_object_or_404(Route.objects.select_related("plan"), pk=route_id)
        services.route_lock(route=route, is_locked=request.POST.get("is_locked") == "1")
        return redirect(reverse("routing:plan", args=[route.plan.reference]) + f"#route-{route.pk}")


class StopMoveView(DispatcherView):
    def post(self, request, stop_id):
        stop = get_object_or_404(Stop.objects.select_related("plan", "route", "order"), pk=stop_id)
        form = StopMoveForm(request.POST, plan=stop.plan)
        back = redirect("routing:plan", reference=stop.plan.reference)
        if not form.is_valid():
            messages.error(request, "Choose a route of this plan and a position from 1.")
            return back
        route, position = form.cleaned_data["route"], form.cleaned_data["position"]
        try:
            if form.cleaned_data["check_only"]:
                check = services.stop_move_check(stop=stop, route=route, position=position)
                if check.feasible:
                    times = check.times(route.vehicle.code)
                    mine = next(t for t in times if t["order"] == stop.order.reference)
                    arrival = mine["arrival"].astimezone(stop.order.warehouse.tzinfo)
                    messages.info(
                        request,
                        f"Feasible: {stop.order.reference} would arrive at {arrival:%H:%M} "
                        f"as stop {position} of route {route.sequence}.",
                    )
                else:
                    messages.error(request, "Not feasible: " + " ".join(check.reasons))
                return back
            services.stop_move(stop=stop, route=route, position=position, user=request.user)
            messages.success(
                request, f"{stop.order.reference} moved to route {route.sequence}, stop {position}."
            )
        except DomainError as exc:
            _fail(request, exc)
        return back


class RouteSheetView(DispatcherView):
    """A printable sheet for one route (or, via PlanSheetsView, every route of a plan)."""

    def get(self, request, route_id):
        route = get_object_or_404(Route.objects.select_related("plan"), pk=route_id)
        routes = [r for r in selectors.plan_routes(plan=route.plan) if r.pk == route.pk]
        context = {"plan": route.plan, "routes": routes, "plan_tz": _plan_tz(route.plan)}
        return render(request, "routing/route_sheet.html", context)


class PlanSheetsView(DispatcherView):
    def get(self, request, reference):
        plan = _plan(reference)
        routes = selectors.plan_routes(plan=plan)
        context = {"plan": plan, "routes": routes, "plan_tz": _plan_tz(plan)}
        return render(request, "routing/route_sheet.html", context)


class PlanCsvView(DispatcherView):
    """Every stop of the plan, one row each, times in the depot's zone."""

    def get(self, request, reference):
        plan = _plan(reference)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{plan.reference}.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "plan", "route", "vehicle", "driver", "stop", "order", "address", "latitude",
                "longitude", "planned_arrival", "window_start", "window_end", "status", "kind",
                "return",
            ]
        )  # fmt: skip
        for route in selectors.plan_routes(plan=plan):
            tz = route.vehicle.depot.tzinfo
            driver = str(route.driver) if route.driver else ""
            for stop in route.stops.all():
                o = stop.order
                place = stop.ret if stop.is_pickup else o
                lat, lon = (
                    (place.pickup_latitude, place.pickup_longitude)
                    if stop.is_pickup
                    else (o.latitude, o.longitude)
                )
                writer.writerow(
                    [
                        plan.reference,
                        route.sequence,
                        route.vehicle.code,
                        driver,
                        stop.sequence,
                        o.reference,
                        " ".join((place.pickup_address if stop.is_pickup else o.address).split()),
                        lat,
                        lon,
                        stop.planned_arrival.astimezone(tz).isoformat(timespec="minutes"),
                        stop.window_start.astimezone(tz).isoformat(timespec="minutes")
                        if stop.window_start
                        else "",
                        stop.window_end.astimezone(tz).isoformat(timespec="minutes")
                        if stop.window_end
                        else "",
                        stop.status,
                        "pickup" if stop.is_pickup else "delivery",
                        stop.ret.reference if stop.is_pickup else "",
                    ]
                )
        for item in plan.unassigned:
            writer.writerow(
                [
                    plan.reference,
                    "",
                    "",
                    "",
                    "",
                    item["order"],
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "unassigned: " + item["reason"],
                    "",
                    "",
                ]
            )
        return response
