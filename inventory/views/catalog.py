"""Pages for browsing the catalog: products with their stock, warehouses with their locations."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import View

from core.permissions import RoleRequiredMixin
from core.roles import Role
from inventory.filters import ProductFilter
from inventory.models import Location, Product, Reservation, Warehouse
from inventory.selectors import reports as report_selectors
from inventory.selectors.stock import stock_totals, warehouses_today

READ_ROLES = [Role.WAREHOUSE, Role.PURCHASING, Role.DISPATCHER]
WRITE_ROLES = [Role.WAREHOUSE]


class ProductListView(RoleRequiredMixin, View):
    """Products with stock totals; search, filters, low-stock toggle."""

    allowed_roles = READ_ROLES

    def get(self, request):
        filterset = ProductFilter(request.GET, queryset=Product.objects.all())
        warehouse = Warehouse.objects.filter(code=request.GET.get("warehouse", "")).first()
        products = filterset.qs.annotate(**stock_totals(warehouse=warehouse)).order_by("sku")
        if request.GET.get("low"):
            products = products.filter(reorder_point__gt=0, available_qty__lt=F("reorder_point"))
        page = Paginator(products, 50).get_page(request.GET.get("page"))
        return render(
            request,
            "inventory/product_list.html",
            {
                "filter": filterset,
                "page": page,
                "warehouses": Warehouse.objects.filter(is_active=True),
                "warehouse": warehouse,
            },
        )


class ProductDetailView(RoleRequiredMixin, View):
    """A product's stock by location and condition, its lots, reservations and history."""

    allowed_roles = READ_ROLES

    def get(self, request, sku):
        product = get_object_or_404(Product, sku=sku)
        now = timezone.now()
        rows = list(report_selectors.product_stock_rows(product=product))
        for row in rows:
            row.days = report_selectors.aging_days(row.arrived, now)
        lots = list(report_selectors.product_lots(product=product))
        today = warehouses_today()
        for lot in lots:
            lot.days = report_selectors.aging_days(lot.received_at, now)
            lot.days_left = (lot.expires_at - today).days if lot.expires_at else None
        moves = report_selectors.movement_history(moves=product.moves.all())[:30]
        reservations = (
            Reservation.objects.filter(product=product, state__in=Reservation.ACTIVE_STATES)
            .select_related("stock__location__warehouse", "stock__lot")
            .order_by("created_at")
        )
        totals = (
            Product.objects.filter(pk=product.pk)
            .annotate(**stock_totals())
            .values("on_hand_qty", "reserved_qty", "available_qty", "expired_qty", "blocked_qty")[0]
        )
        return render(
            request,
            "inventory/product_detail.html",
            {
                "product": product,
                "rows": rows,
                "lots": lots,
                "moves": moves,
                "reservations": reservations,
                "totals": totals,
            },
        )


class WarehouseListView(RoleRequiredMixin, View):
    allowed_roles = READ_ROLES

    def get(self, request):
        warehouses = Warehouse.objects.annotate(
            on_hand=Coalesce(Sum("locations__stock__on_hand"), 0),
        ).order_by("code")
        counts = dict(
            Location.objects.values("warehouse_id")
            .annotate(n=Count("id"))
            .values_list("warehouse_id", "n")
        )
        for warehouse in warehouses:
            warehouse.location_count = counts.get(warehouse.pk, 0)
        return render(request, "inventory/warehouse_list.html", {"warehouses": warehouses})


class WarehouseDetailView(RoleRequiredMixin, View):
    """A warehouse's locations and what is in each."""

    allowed_roles = READ_ROLES

    def get(self, request, code):
        warehouse = get_object_or_404(Warehouse, code=code)
        kind = request.GET.get("kind") or None
        if kind and kind not in Location.Kind.values:
            kind = None
        locations, rows = report_selectors.warehouse_contents(warehouse=warehouse, kind=kind)
        return render(
            request,
            "inventory/warehouse_detail.html",
            {
                "warehouse": warehouse,
                "locations": locations,
                "page": Paginator(rows, 100).get_page(request.GET.get("page")),
                "kinds": Location.Kind.choices,
                "kind": kind,
            },
        )
