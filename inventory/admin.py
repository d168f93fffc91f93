"""Admin: reference data is editable; stock, ledger and reservations are read-only (they change
only through services, so the ledger stays true)."""

from django.contrib import admin

from inventory.models import (
    Location,
    Lot,
    PartnerWarehouse,
    Product,
    Reservation,
    Stock,
    StockMove,
    Warehouse,
)


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city", "timezone", "opening_time", "closing_time", "is_active"]
    search_fields = ["code", "name", "city"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["code", "warehouse", "kind", "is_active"]
    list_filter = ["warehouse", "kind", "is_active"]
    search_fields = ["code"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "sku",
        "name",
        "unit",
        "unit_cost",
        "reorder_point",
        "shelf_life_days",
        "is_active",
    ]
    list_filter = ["is_active", "unit", "is_returnable"]
    search_fields = ["sku", "name", "barcode"]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: products keep their history


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Lot)
class LotAdmin(_ReadOnly):
    list_display = ["code", "product", "received_at", "expires_at"]
    search_fields = ["code", "product__sku"]
    list_select_related = ["product"]


@admin.register(Stock)
class StockAdmin(_ReadOnly):
    list_display = ["product", "location", "lot", "condition", "on_hand", "reserved", "received_at"]
    list_filter = ["condition", "location__warehouse"]
    search_fields = ["product__sku"]
    list_select_related = ["product", "location__warehouse", "lot"]


@admin.register(StockMove)
class StockMoveAdmin(_ReadOnly):
    list_display = [
        "created_at",
        "kind",
        "product",
        "quantity",
        "from_location",
        "to_location",
        "reference",
        "user",
    ]
    list_filter = ["kind"]
    search_fields = ["product__sku", "reference"]
    list_select_related = ["product", "from_location__warehouse", "to_location__warehouse", "user"]


@admin.register(Reservation)
class ReservationAdmin(_ReadOnly):
    list_display = ["demand_ref", "product", "quantity", "state", "stock", "created_at"]
    list_filter = ["state"]
    search_fields = ["demand_ref", "product__sku"]
    list_select_related = ["product", "stock__location__warehouse"]


@admin.register(PartnerWarehouse)
class PartnerWarehouseAdmin(admin.ModelAdmin):
    """Warehouses whose stock a partner's `stock:write` keys may change."""

    list_display = ["partner", "warehouse", "created_at"]
    list_filter = ["warehouse"]
    autocomplete_fields = ["partner"]
