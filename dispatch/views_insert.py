"""Same-day insertion on the board: "Insert into route…" for one unassigned order (a dialog on
the board, a page of its own from the order page) and "Insert all unassigned" (a Celery task
whose progress the dialog polls). The rules are routing's; these views parse and render."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404, render

from core.exceptions import DomainError
from dispatch import selectors, services
from dispatch.forms import InsertForm
from dispatch.selectors.insertion import insertion_options
from dispatch.views import DispatcherView, _done, _form_refused, _refused
from inventory.models import Warehouse
from orders.models import CustomerOrder
from routing.services.insertion import live_routes
from tracking import clock


def _order(reference: str) -> CustomerOrder:
    return get_object_or_404(CustomerOrder.objects.select_related("warehouse"), reference=reference)


class OrderInsertView(DispatcherView):
    """GET: the best live routes for the order with their previews (the dialog on the board,
    or a page of its own when opened from the order page). POST: insert into the chosen
    route (with the override and its reason when the preview asked for them)."""

    def get(self, request, reference):
        order = _order(reference)
        ctx = {"order": order, "tz": order.warehouse.tzinfo, "is_page": not request.htmx}
        try:
            ctx["options"], ctx["refused"] = insertion_options(order=order)
        except DomainError as exc:
            if request.htmx:
                return _refused(request, exc)
            ctx["error"] = exc.detail
            return render(request, "dispatch/insert_page.html", ctx, status=exc.status)
        template = "dispatch/_insert.html" if request.htmx else "dispatch/insert_page.html"
        return render(request, template, ctx)

    def post(self, request, reference):
        order = _order(reference)
        form = InsertForm(request.POST)
        if not form.is_valid():
            return _form_refused(request, form)
        day = clock.now().astimezone(order.warehouse.tzinfo).date()
        route = live_routes(day=day).filter(pk=form.cleaned_data["route"]).first()
        if route is None:
            form.add_error("route", "Choose a live route of today.")
            return _form_refused(request, form)
        try:
            stop = services.order_insert_from_board(
                route=route,
                order=order,
                override=form.cleaned_data["override"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except DomainError as exc:
            return _refused(request, exc, {"order": order})
        text = (
            f"{order.reference} is now stop {stop.sequence} of route {route.sequence} · "
            f"{route.vehicle.code}. The route's ETAs are being recomputed."
        )
        return _done(request, "dispatch/_done.html", {"stop": stop, "text": text})


def _day(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.POST.get("day") or request.GET.get("day") or "")
    except ValueError:
        return selectors.board_day_default(now=clock.now())


class InsertAllView(DispatcherView):
    """GET: what "insert all" will do. POST: start it (a Celery task) and show its progress."""

    def get(self, request):
        day = _day(request)
        depot = request.GET.get("depot", "")
        return render(request, "dispatch/_insert_all.html", {"day": day, "depot": depot})

    def post(self, request):
        day = _day(request)
        code = request.POST.get("depot", "")[:20]
        depots = list(Warehouse.objects.filter(code=code) if code else selectors.board_depots())
        job_id = services.insert_all_start(day=day, depots=depots, user=request.user)
        state = services.insert_all_progress(job_id) or {}
        ctx = {"job_id": job_id, "state": state, "day": day}
        return _done(request, "dispatch/_insert_all_progress.html", ctx, changed=False)


class InsertAllProgressView(DispatcherView):
    """The progress fragment the dialog polls; the board refreshes once it has finished."""

    def get(self, request, job_id):
        state = services.insert_all_progress(job_id)
        if state is None:
            return render(
                request,
                "dispatch/_refused.html",
                {"detail": "This run is unknown or expired (runs are kept for an hour)."},
                status=404,
            )
        finished = state.get("status") in ("finished", "failed")
        ctx = {"job_id": job_id, "state": state}
        return _done(request, "dispatch/_insert_all_progress.html", ctx, changed=finished)
