"""Suppliers with their performance and prices (thin)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import View

from core.permissions import RoleRequiredMixin
from core.roles import Role
from purchasing.models import Supplier
from purchasing.selectors import (
    purchase_order_list,
    supplier_performance,
    supplier_price_comparison,
    suppliers_performance,
)


class SupplierListView(RoleRequiredMixin, View):
    allowed_roles = [Role.PURCHASING, Role.APPROVER]

    def get(self, request):
        since = timezone.localdate() - timedelta(days=365)
        suppliers = list(Supplier.objects.annotate(price_count=Count("prices")).order_by("code"))
        performance = suppliers_performance(suppliers=suppliers, date_from=since)
        rows = [(s, performance[s.pk]) for s in suppliers]
        return render(request, "purchasing/suppliers.html", {"rows": rows, "since": since})


class SupplierDetailView(RoleRequiredMixin, View):
    allowed_roles = [Role.PURCHASING, Role.APPROVER]

    def get(self, request, code):
        supplier = get_object_or_404(Supplier, code=code)
        days = request.GET.get("days", "365")
        days = int(days) if days.isdigit() and 0 < int(days) <= 3650 else 365
        since = timezone.localdate() - timedelta(days=days)
        return render(
            request,
            "purchasing/supplier_detail.html",
            {
                "supplier": supplier,
                "prices": supplier_price_comparison(supplier=supplier),
                "perf": supplier_performance(supplier=supplier, date_from=since),
                "days": days,
                "orders": purchase_order_list(supplier=supplier)[:20],
            },
        )
