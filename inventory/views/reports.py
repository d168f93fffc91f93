"""Report pages (with CSV download) and the CSV import of products and opening stock."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from core.exceptions import DomainError
from core.permissions import RoleRequiredMixin
from core.roles import Role
from inventory import forms
from inventory.exports import csv_response
from inventory.reports import NUMERIC_COLUMNS, REPORTS, report_filterset
from inventory.services.imports import opening_stock_import, products_import
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
    """Upload products or opening stock; every error is listed with its row and column."""

    allowed_roles = [Role.WAREHOUSE, Role.PURCHASING]

    def get(self, request):
        return render(request, "inventory/import.html", {"form": forms.ImportForm()})

    def post(self, request):
        form = forms.ImportForm(request.POST, request.FILES)
        errors = []
        if form.is_valid():
            content = form.cleaned_data["file"].read()
            try:
                if form.cleaned_data["kind"] == "products":
                    result = products_import(content=content)
                    messages.success(
                        request,
                        f"Imported products: {result['created']} created, "
                        f"{result['updated']} updated.",
                    )
                else:
                    result = opening_stock_import(content=content, user=request.user)
                    messages.success(
                        request, f"Imported {result['units']} units in {result['rows']} rows."
                    )
                return redirect("inventory:import")
            except DomainError as exc:
                errors = exc.errors
                form.add_error("file", exc.detail)
        return render(request, "inventory/import.html", {"form": form, "errors": errors})
