"""Report pages (with CSV download) and the CSV import of products and opening stock."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from core.exceptions import DomainError
from core.permissions import RoleRequiredMixin
from core.roles import Role
from inventory import forms
from inventory.exports import csv_response
from inventory.reports import NUMERIC_COLUMNS, REPORTS, report_filterset
from inventory.services.import_runs import inventory_import_run_get, inventory_import_run_start
from inventory.views.catalog import READ_ROLES


class ReportIndexView(RoleRequiredMixin, View):
    allowed_roles = READ_ROLES

    def get(self, request):
        return render(request, "inventory/report_index.html", {"reports": REPORTS.values()})


class ReportView(RoleRequiredMixin, View):
    """One report with its filters; `?format=csv` downloads every row as CSV."""

    allowed_roles = READ_ROLES

    def get(self, request, slug):
        spec = REPORTS.get(slug)
        if spec is None:
            raise Http404("No such report.")
        filterset = report_filterset(spec, request.GET)
        valid = filterset.is_valid()
        data = filterset.form.cleaned_data if valid else {}
        columns = spec.columns(data)
        if valid:
            rows, extras = spec.run(data, filterset)
        else:
            rows, extras = [], {}
        if valid and request.GET.get("format") == "csv":
            return csv_response(name=f"inventory-{slug}", columns=columns, rows=rows)
        page = Paginator(rows, 100).get_page(request.GET.get("page"))
        table = [[(row.get(key), key in NUMERIC_COLUMNS) for key, _ in columns] for row in page]
        return render(
            request,
            "inventory/report.html",
            {
                "spec": spec,
                "filter": filterset,
                "columns": [(label, key in NUMERIC_COLUMNS) for key, label in columns],
                "table": table,
                "page": page,
                "extras": extras,
                "reports": REPORTS.values(),
            },
        )


class ImportView(RoleRequiredMixin, View):
    """Upload products or opening stock; the import runs in the background and its page lists
    every error with its row and column."""

    allowed_roles = [Role.WAREHOUSE, Role.PURCHASING]

    def get(self, request):
        return render(request, "inventory/import.html", {"form": forms.ImportForm()})

    def post(self, request):
        form = forms.ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                run_id = inventory_import_run_start(
                    kind=form.cleaned_data["kind"],
                    content=form.cleaned_data["file"].read(),
                    user=request.user,
                )
            except DomainError as exc:
                form.add_error("file", exc.detail)
            else:
                return redirect("inventory:import-run", run_id=run_id)
        return render(request, "inventory/import.html", {"form": form}, status=422)


class ImportRunView(RoleRequiredMixin, View):
    """One import run: waiting while it runs (polled), then the result or the errors."""

    allowed_roles = [Role.WAREHOUSE, Role.PURCHASING]

    def get(self, request, run_id):
        run = inventory_import_run_get(run_id=run_id, user=request.user)
        if run is None:
            raise Http404("No such import (runs are kept for a day).")
        running = run["status"] in ("queued", "running")
        if request.htmx and "progress" in request.GET and not running:
            return HttpResponse(headers={"HX-Refresh": "true"})
        return render(
            request,
            "inventory/import_run.html",
            {
                "run": run,
                "run_id": run_id,
                "running": running,
                "form": forms.ImportForm(initial={"kind": run["options"].get("kind")}),
            },
            status=422 if run["status"] == "failed" else 200,
        )
