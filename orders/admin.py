"""Admin for the orders app (read-mostly: changes go through the services and pages)."""

from django.contrib import admin

from orders.models import (
    Customer,
    CustomerOrder,
    DeliveryAttempt,
    OrderEvent,
    OrderLine,
    Parcel,
    PickWave,
    ProductReturnPolicy,
    Return,
    ReturnLine,
)

# --- customer orders and returns ---------------------------------------------------------------


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    readonly_fields = ["quantity_reserved", "quantity_picked", "quantity_delivered"]
    raw_id_fields = ["product"]


class ParcelInline(admin.TabularInline):
    model = Parcel
    extra = 0


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ["type", "at", "message", "data", "user", "ret"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CustomerOrder)
class CustomerOrderAdmin(admin.ModelAdmin):
    list_display = ["reference", "status", "customer", "warehouse", "partner", "window_start"]
    list_filter = ["status", "warehouse", "partner"]
    search_fields = ["reference", "external_ref", "customer__name", "address"]
    readonly_fields = ["reference", "status", "tracking_token", "is_partial", "pick_wave"]
    raw_id_fields = ["customer"]
    inlines = [OrderLineInline, ParcelInline, OrderEventInline]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "partner"]
    search_fields = ["name", "email"]


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    extra = 0
    raw_id_fields = ["order_line"]


@admin.register(Return)
class ReturnAdmin(admin.ModelAdmin):
    list_display = ["reference", "status", "order", "method", "refund_amount", "created_at"]
    list_filter = ["status", "method", "channel"]
    search_fields = ["reference", "order__reference"]
    readonly_fields = ["reference", "status"]
    raw_id_fields = ["order"]
    inlines = [ReturnLineInline]


@admin.register(ProductReturnPolicy)
class ProductReturnPolicyAdmin(admin.ModelAdmin):
    list_display = ["product", "window_days"]
    raw_id_fields = ["product"]


admin.site.register(PickWave)
admin.site.register(DeliveryAttempt)
