"""Pages for warehouse staff: products, warehouses, stock operations, reports, CSV import."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView

from core.exceptions import DomainError
from core.permissions import RoleRequiredMixin
from core.roles import Role
from inventory import forms
from inventory.exports import csv_response
from inventory.filters import ProductFilter
from inventory.lookups import product_lookup, stock_row_resolve
from inventory.models import Location, Product, Reservation, StockCondition, Warehouse
from inventory.reports import REPORTS, report_filterset
from inventory.selectors import reports as report_selectors
from inventory.services import (
    stock_adjust,
    stock_condition_change,
    stock_count,
    stock_receive,
    stock_scrap,
    stock_transfer,
)
from inventory.services.imports import opening_stock_import, products_import

READ_ROLES = [Role.WAREHOUSE, Role.PURCHASING, Role.DISPATCHER]
WRITE_ROLES = [Role.WAREHOUSE]


def _stock_sums(prefix: str = "stock__", warehouse: Warehouse | None = None) -> dict:
    today = timezone.localdate()
    scope = Q(**{f"{prefix}location__warehouse": warehouse}) if warehouse else Q()
    sellable = Q(
        **{
            f"{prefix}condition": StockCondition.GOOD,
            f"{prefix}location__is_active": True,
        }
    ) & ~Q(**{f"{prefix}location__kind": Location.Kind.QUARANTINE})
    sellable &= (
        Q(**{f"{prefix}lot__isnull": True})
        | Q(**{f"{prefix}lot__expires_at__isnull": True})
        | Q(**{f"{prefix}lot__expires_at__gte": today})
    )
    zero = IntegerField()
    return {
        "on_hand_qty": Coalesce(Sum(f"{prefix}on_hand", filter=scope), 0, output_field=zero),
        "reserved_qty": Coalesce(Sum(f"{prefix}reserved", filter=scope), 0, output_field=zero),
        "available_qty": Coalesce(
            Sum(F(f"{prefix}on_hand") - F(f"{prefix}reserved"), filter=scope & sellable),
            0,
            output_field=zero,
        ),
        "unsellable_qty": Coalesce(
            Sum(f"{prefix}on_hand", filter=scope & ~Q(**{f"{prefix}condition": "good"})),
            0,
            output_field=zero,
        ),
    }


class ProductListView(RoleRequiredMixin, View):
    """Products with stock totals; search, filters, low-stock toggle."""

    allowed_roles = READ_ROLES

    def get(self, request):
        filterset = ProductFilter(request.GET, queryset=Product.objects.all())
        warehouse = Warehouse.objects.filter(code=request.GET.get("warehouse", "")).first()
        products = filterset.qs.annotate(**_stock_sums(warehouse=warehouse)).order_by("sku")
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
                "query": request.GET.copy(),
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
        today = timezone.localdate()
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
            .annotate(**_stock_sums())
            .values("on_hand_qty", "reserved_qty", "available_qty", "unsellable_qty")[0]
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
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "inventory/warehouse_detail.html",
            {
                "warehouse": warehouse,
                "locations": locations,
                "page": Paginator(rows, 100).get_page(request.GET.get("page")),
                "query": query.urlencode(),
                "kinds": Location.Kind.choices,
                "kind": kind,
            },
        )


class _OperationView(RoleRequiredMixin, FormView):
    """A stock operation form: the service decides; its refusal shows under the field."""

    allowed_roles = WRITE_ROLES
    template_name = "inventory/operation_form.html"
    title = ""
    intro = ""
    submit = "Save"

    def get_initial(self):
        initial = {k: v for k, v in self.request.GET.items() if k in self.form_class.base_fields}
        for name in ("location", "to_location"):
            if initial.get(name, "").isdigit():
                initial[name] = int(initial[name])
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=self.title, intro=self.intro, submit=self.submit)
        context["skus"] = Product.objects.filter(is_active=True).values_list("sku", "name")[:2000]
        return context

    def form_valid(self, form):
        try:
            message, sku = self.perform(form)
        except DomainError as exc:
            errors = exc.errors or [{"field": None, "message": exc.detail}]
            for error in errors:
                field = error.get("field")
                form.add_error(field if field in form.fields else None, error["message"])
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(reverse("inventory:product", args=[sku]))


class ReceiveView(_OperationView):
    form_class = forms.ReceiveForm
    title = "Receive stock"
    intro = "Book units arriving at a location. Perishable products get a lot and expiry date."
    submit = "Receive"

    def perform(self, form):
        data = form.cleaned_data
        product = product_lookup(data["product"].strip())
        stock = stock_receive(
            product=product,
            location=data["location"],
            quantity=data["quantity"],
            condition=data["condition"],
            lot_code=data["lot_code"] or None,
            expires_at=data["expires_at"],
            unit_cost=data["unit_cost"],
            reference=data["reference"],
            reason=data["reason"],
            user=self.request.user,
        )
        return f"Received {data['quantity']} x {product.sku} at {stock.location}.", product.sku


class TransferView(_OperationView):
    form_class = forms.TransferForm
    title = "Transfer stock"
    intro = "Move unreserved units to another location. Reserved units stay where they are."
    submit = "Transfer"

    def perform(self, form):
        data = form.cleaned_data
        source = stock_row_resolve(form.stock_key())
        target = stock_transfer(
            stock=source,
            to_location=data["to_location"],
            quantity=data["quantity"],
            between_warehouses=data["between_warehouses"],
            reason=data["reason"],
            reference=data["reference"],
            user=self.request.user,
        )
        return (
            f"Moved {data['quantity']} x {source.product.sku} from {source.location} to "
            f"{target.location}.",
            source.product.sku,
        )


class AdjustView(_OperationView):
    form_class = forms.AdjustForm
    title = "Adjust or count stock"
    intro = (
        "Correct a quantity with a reason, or book a cycle count: the counted quantity replaces "
        "the system's and the difference is recorded."
    )
    submit = "Book"

    def perform(self, form):
        data = form.cleaned_data
        if data.get("counted") is not None:
            row = stock_row_resolve(form.stock_key(), create=True)
            stock = stock_count(
                stock=row,
                counted=data["counted"],
                reason=data["reason"],
                reference=data["reference"],
                user=self.request.user,
            )
            return f"Count booked: {stock.on_hand} at {stock.location}.", stock.product.sku
        row = stock_row_resolve(form.stock_key(), create=data["delta"] > 0)
        stock = stock_adjust(
            stock=row,
            delta=data["delta"],
            reason=data["reason"],
            reference=data["reference"],
            user=self.request.user,
        )
        return (
            f"Adjusted by {data['delta']:+d}: {stock.on_hand} at {stock.location}.",
            stock.product.sku,
        )


class ConditionView(_OperationView):
    form_class = forms.ConditionForm
    title = "Change condition"
    intro = "Re-grade unreserved units, e.g. move damaged goods into quarantine."
    submit = "Change condition"

    def perform(self, form):
        data = form.cleaned_data
        source = stock_row_resolve(form.stock_key())
        target = stock_condition_change(
            stock=source,
            to_condition=data["to_condition"],
            to_location=data["to_location"],
            quantity=data["quantity"],
            reason=data["reason"],
            reference=data["reference"],
            user=self.request.user,
        )
        return (
            f"{data['quantity']} x {source.product.sku} now {target.condition} "
            f"at {target.location}.",
            source.product.sku,
        )


class ScrapView(_OperationView):
    form_class = forms.ScrapForm
    title = "Scrap stock"
    intro = "Write off unreserved units that cannot be sold or returned."
    submit = "Scrap"

    def perform(self, form):
        data = form.cleaned_data
        stock = stock_scrap(
            stock=stock_row_resolve(form.stock_key()),
            quantity=data["quantity"],
            reason=data["reason"],
            reference=data["reference"],
            user=self.request.user,
        )
        return f"Scrapped {data['quantity']} x {stock.product.sku}.", stock.product.sku


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
        query = request.GET.copy()
        query.pop("page", None)
        table = [[(row.get(key), key in _NUMERIC_KEYS) for key, _ in columns] for row in page]
        return render(
            request,
            "inventory/report.html",
            {
                "spec": spec,
                "filter": filterset,
                "columns": [(label, key in _NUMERIC_KEYS) for key, label in columns],
                "table": table,
                "page": page,
                "extras": extras,
                "query": query.urlencode(),
                "reports": REPORTS.values(),
            },
        )


_NUMERIC_KEYS = {
    "on_hand",
    "reserved_qty",
    "available",
    "unavailable",
    "on_order",
    "atp",
    "good_qty",
    "damaged_qty",
    "quarantined_qty",
    "expired_qty",
    "days",
    "days_left",
    "reorder_point",
    "shortfall",
    "suggested_qty",
    "product__unit_cost",
    "value",
    "quantity",
}


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
