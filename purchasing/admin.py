"""Admin for purchasing: read-only views with history (changes go through the services and
pages, which enforce approval and receiving rules)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from purchasing.models import (
    Approval,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Supplier,
    SupplierProduct,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Supplier)
class SupplierAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "lead_time_days", "currency", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]


@admin.register(SupplierProduct)
class SupplierProductAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["supplier", "product", "unit_cost", "pack_size", "is_preferred", "is_active"]
    list_filter = ["is_preferred", "is_active"]
    search_fields = ["supplier__code", "product__sku"]


class PurchaseOrderLineInline(ReadOnlyMixin, admin.TabularInline):
    model = PurchaseOrderLine
    extra = 0


class ApprovalInline(ReadOnlyMixin, admin.TabularInline):
    model = Approval
    extra = 0


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["reference", "status", "supplier", "warehouse", "total_amount", "created_at"]
    list_filter = ["status", "warehouse"]
    search_fields = ["reference", "supplier__code"]
    inlines = [PurchaseOrderLineInline, ApprovalInline]


class ReceiptLineInline(ReadOnlyMixin, admin.TabularInline):
    model = ReceiptLine
    extra = 0


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["reference", "purchase_order", "received_by", "received_at"]
    search_fields = ["reference", "purchase_order__reference"]
    inlines = [ReceiptLineInline]
