from django.contrib import admin

from carriers.models import Carrier, Shipment, ShipmentEvent


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "currency", "is_active"]


class ShipmentEventInline(admin.TabularInline):
    model = ShipmentEvent
    extra = 0
    readonly_fields = ["status", "at", "description", "external_id", "received_at"]


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ["tracking_number", "carrier", "order", "status", "price", "own_cost"]
    list_filter = ["carrier", "status"]
    readonly_fields = [f.name for f in Shipment._meta.fields]
    inlines = [ShipmentEventInline]

    def has_add_permission(self, request):
        return False
