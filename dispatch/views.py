"""The board page, its two polled fragments (side panel HTML, map JSON) and the action dialogs.

Polling protocol: each poll carries `since`, the stamp of what the browser shows. When nothing
changed the answer is 204 after two cheap queries (the version stamp and the latest ping per
vehicle); htmx leaves the panel alone and the map script keeps its layers.

Actions answer an HTML fragment for the dialog. Success sends `HX-Trigger: board-changed` so the
panel and map refresh at once; a refusal answers 4xx with the reason in the fragment.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode
from django.views import View

from core import timefmt
from core.exceptions import DomainError
from core.permissions import RoleRequiredMixin
from core.roles import Role
from dispatch import conf, selectors, services
from dispatch.forms import BoardFilterForm, CancelForm, MoveForm, RescheduleForm
from dispatch.selectors import DASH
from routing.models import Plan, Route, Stop, StopStatus
from routing.services import stop_move_check
from tracking import clock


class DispatcherView(RoleRequiredMixin, View):
    allowed_roles = [Role.DISPATCHER]


def _filters(request) -> selectors.BoardFilters:
    """Filters from the query string; invalid values fall back to "all" (the page's form shows
    why). Polls always carry `day`, so they skip the default-day lookup."""
    get = request.GET
    day = None
    if get.get("day"):
        try:
            day = dt.date.fromisoformat(get["day"])
        except ValueError:
            day = None
    day = day or selectors.board_day_default(now=clock.now())
    try:
        driver = int(get.get("driver") or 0) or None
    except ValueError:
        driver = None
    status = get.get("status", "")
    return selectors.BoardFilters(
        day=day,
        depot=get.get("depot", "")[:20],
        driver=driver,
        status=status if status in selectors.ROUTE_FILTERS else "",
        q=get.get("q", "").strip()[:100],
    )


def _filter_form(request, filters) -> BoardFilterForm:
    form = BoardFilterForm(
        request.GET or None,
        initial={"day": filters.day},
        depots=selectors.board_depots(),
        drivers=selectors.board_drivers(day=filters.day),
    )
    form.is_valid()
    return form


# Stop statuses, sequences, late-risk flags and positions show at the next poll; changes of ETA
# times alone at most this often: a pinging fleet recomputes ETAs every few seconds, and the
# panel (cards, projected ends) and the map (tooltips) for 50 routes cost 50-150 ms of CPU each.
PANEL_ETA_REFRESH_S = 10
MAP_ETA_REFRESH_S = 30


def _open_routes(request) -> frozenset[int]:
    """The routes whose stop list is open in the browser (only those lists are rendered)."""
    return frozenset(int(v) for v in request.GET.get("open", "").split(",") if v.isdigit())


def _panel_stamp(filters, now, open_routes) -> tuple[str, dict]:
    positions = selectors.day_positions(day=filters.day)
    version = selectors.board_version(day=filters.day, eta_resolution_s=PANEL_ETA_REFRESH_S)
    flags = selectors.positions_version(positions=positions, now=now, exact=False)
    opened = ",".join(str(r) for r in sorted(open_routes))
    return f"{version}.{flags}.{opened}", positions


def _panel_context(request, filters, now, stamp, positions, open_routes) -> dict:
    board = selectors.board_build(filters=filters, now=now, version=stamp, positions=positions)
    query = urlencode(filters.as_query())
    return {
        "board": board,
        "zones_differ": timefmt.zones_differ(board.depots),
        "open_routes": open_routes,
        "filters": filters,
        "query": query,
        "poll_s": conf.get("DISPATCH_POLL_S"),
        "stale_s": conf.get("DISPATCH_STALE_PING_S"),
    }


class BoardView(DispatcherView):
    """The live board: a full-height map and the side panel (exceptions, route cards)."""

    def get(self, request):
        filters = _filters(request)
        now = clock.now()
        open_routes = _open_routes(request)
        stamp, positions = _panel_stamp(filters, now, open_routes)
        ctx = _panel_context(request, filters, now, stamp, positions, open_routes)
        board = ctx["board"]
        ctx.update(
            form=_filter_form(request, filters),
            map_data={
                "stamp": _map_stamp(_map_version(filters, now), positions, now),
                "now": now.isoformat(),
                **selectors.board_map_data(board=board),
                "vehicles": selectors.board_vehicles(filters=filters, positions=positions, now=now),
            },
            tiles=settings.MAP_TILES_URL,
            tz_name=str(board.depots[0].tzinfo) if board.depots else settings.TIME_ZONE,
        )
        return render(request, "dispatch/board.html", ctx)


class PanelView(DispatcherView):
    """The side panel fragment (htmx, every few seconds): 204 when nothing changed."""

    def get(self, request):
        filters = _filters(request)
        now = clock.now()
        open_routes = _open_routes(request)
        stamp, positions = _panel_stamp(filters, now, open_routes)
        if request.GET.get("since") == stamp:
            return HttpResponse(status=204)
        ctx = _panel_context(request, filters, now, stamp, positions, open_routes)
        return render(request, "dispatch/_panel.html", ctx)


def _map_version(filters, now) -> str:
    return selectors.board_version(day=filters.day, eta_resolution_s=MAP_ETA_REFRESH_S)


def _map_stamp(version: str, positions: dict, now) -> str:
    return f"{version}~{selectors.positions_version(positions=positions, now=now, exact=True)}"


class MapDataView(DispatcherView):
    """Map layers as JSON: 204 when nothing changed; only `vehicles` when only positions moved;
    everything when routes or stops changed."""

    def get(self, request):
        filters = _filters(request)
        now = clock.now()
        positions = selectors.day_positions(day=filters.day)
        version = _map_version(filters, now)
        stamp = _map_stamp(version, positions, now)
        since = request.GET.get("since", "")
        if since == stamp:
            return HttpResponse(status=204)
        body: dict = {"stamp": stamp, "now": now.isoformat()}
        if since.split("~")[0] != version:
            board = selectors.board_build(
                filters=filters, now=now, version=version, positions=positions
            )
            body.update(selectors.board_map_data(board=board))
        body["vehicles"] = selectors.board_vehicles(filters=filters, positions=positions, now=now)
        return JsonResponse(body)


# --- dialogs and actions -----------------------------------------------------------------------


def _stop(stop_id: int) -> Stop:
    return get_object_or_404(
        Stop.objects.select_related(
            "plan", "route__vehicle__depot", "order__warehouse", "order__customer"
        ),
        pk=stop_id,
    )


def _done(request, template: str, ctx: dict, *, changed: bool = True, status: int = 200):
    response = render(request, template, ctx, status=status)
    if changed:
        response["HX-Trigger"] = "board-changed"
    return response


def _refused(request, exc: DomainError, ctx: dict | None = None):
    errors = [e.get("message", "") for e in getattr(exc, "errors", None) or []]
    return render(
        request,
        "dispatch/_refused.html",
        {**(ctx or {}), "detail": exc.detail, "errors": [e for e in errors if e != exc.detail]},
        status=exc.status,
    )


def _form_refused(request, form):
    errors = [
        f"{form[f].label if f in form.fields else f}: {' '.join(e)}" for f, e in form.errors.items()
    ]
    return render(
        request,
        "dispatch/_refused.html",
        {"detail": "Please correct the form.", "errors": errors},
        status=400,
    )


class StopDetailView(DispatcherView):
    """A stop's card: order, window, ETA, route, timeline and the actions that apply."""

    def get(self, request, stop_id):
        stop = selectors.stop_detail(stop_id=stop_id)
        if stop is None:
            raise Http404
        tz = stop.order.warehouse.tzinfo
        return render(
            request,
            "dispatch/_stop.html",
            {"stop": stop, "tz": tz, "can_move": stop.status == StopStatus.PLANNED},
        )


def _default_position(stop: Stop, route: Route) -> int:
    """Where the stop most likely fits: after the target's started stops and the planned ones
    due before it."""
    if route.pk == stop.route_id:
        return stop.sequence
    stops = list(route.stops.order_by("sequence"))
    started = sum(1 for s in stops if s.status != StopStatus.PLANNED)
    earlier = sum(
        1
        for s in stops
        if s.status == StopStatus.PLANNED and s.planned_arrival <= stop.planned_arrival
    )
    return started + earlier + 1


class StopMoveView(DispatcherView):
    """GET: the move dialog (target route and position). POST `preview=1`: the feasibility
    check with the new times of both routes, nothing written. POST: the move."""

    def get(self, request, stop_id):
        stop = _stop(stop_id)
        route = Route.objects.filter(plan=stop.plan, pk=request.GET.get("route") or 0).first()
        route = route or stop.route
        position = request.GET.get("position")
        try:
            position = int(position) if position else _default_position(stop, route)
        except ValueError:
            position = _default_position(stop, route)
        form = MoveForm(initial={"route": route, "position": position}, plan=stop.plan)
        return render(request, "dispatch/_move.html", {"stop": stop, "form": form})

    def post(self, request, stop_id):
        stop = _stop(stop_id)
        form = MoveForm(request.POST, plan=stop.plan)
        if not form.is_valid():
            return _form_refused(request, form)
        route, position = form.cleaned_data["route"], form.cleaned_data["position"]
        ctx = {"stop": stop, "route": route, "position": position}
        try:
            if request.POST.get("preview"):
                check = stop_move_check(stop=stop, route=route, position=position)
                tables = selectors.move_preview_etas(stop=stop, target=route, position=position)
                ctx.update(check=check, tables=tables)
                return render(request, "dispatch/_preview.html", ctx)
            moved = services.stop_reassign(
                stop=stop,
                route=route,
                position=position,
                user=request.user,
                override=form.cleaned_data["override"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            return _refused(request, exc, ctx)
        ctx["moved"] = moved
        return _done(request, "dispatch/_moved.html", ctx)


class StopRescheduleView(DispatcherView):
    def get(self, request, stop_id):
        stop = _stop(stop_id)
        tz = stop.order.warehouse.tzinfo
        start = stop.order.window_start.astimezone(tz)
        end = stop.order.window_end.astimezone(tz)
        form = RescheduleForm(
            initial={
                "date": stop.plan.date + dt.timedelta(days=1),
                "start": start.time().replace(second=0, microsecond=0),
                "end": end.time().replace(second=0, microsecond=0),
            }
        )
        return render(request, "dispatch/_reschedule.html", {"stop": stop, "form": form})

    def post(self, request, stop_id):
        stop = _stop(stop_id)
        form = RescheduleForm(request.POST)
        if not form.is_valid():
            return _form_refused(request, form)
        start, end = form.window(stop.order.warehouse.tzinfo)
        try:
            services.failed_reschedule(
                stop=stop,
                window_start=start,
                window_end=end,
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            return _refused(request, exc, {"stop": stop})
        text = (
            f"{stop.order.reference} rescheduled to {start:%a %d %b}, "
            f"{start:%H:%M}{DASH}{end:%H:%M}."
        )
        return _done(request, "dispatch/_done.html", {"stop": stop, "text": text})


class StopCancelView(DispatcherView):
    def get(self, request, stop_id):
        stop = _stop(stop_id)
        return render(request, "dispatch/_cancel.html", {"stop": stop, "form": CancelForm()})

    def post(self, request, stop_id):
        stop = _stop(stop_id)
        form = CancelForm(request.POST)
        if not form.is_valid():
            return _form_refused(request, form)
        try:
            services.stop_cancel(stop=stop, user=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            return _refused(request, exc, {"stop": stop})
        text = f"{stop.order.reference} cancelled; its stock is released."
        return _done(request, "dispatch/_done.html", {"stop": stop, "text": text})


class StopMessageView(DispatcherView):
    def post(self, request, stop_id):
        stop = _stop(stop_id)
        try:
            notification = services.customer_eta_message(stop=stop, user=request.user)
        except DomainError as exc:
            return _refused(request, exc, {"stop": stop})
        text = f"Sent to {notification.recipient}: “{notification.subject}”."
        return _done(request, "dispatch/_done.html", {"stop": stop, "text": text})


class PlanReoptimizeView(DispatcherView):
    def get(self, request, reference):
        plan = get_object_or_404(Plan, reference=reference)
        return render(request, "dispatch/_reoptimize.html", {"plan": plan})

    def post(self, request, reference):
        plan = get_object_or_404(Plan, reference=reference)
        try:
            job = services.plan_reoptimize(plan=plan, user=request.user)
        except DomainError as exc:
            return _refused(request, exc, {"plan": plan})
        text = (
            f"Re-optimising {plan.reference} (job {job.pk}, up to {job.time_limit_s:g} s): "
            "progress shows at the top of the panel."
        )
        return _done(request, "dispatch/_done.html", {"plan": plan, "text": text})
