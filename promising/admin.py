from django.contrib import admin

from promising.models import DepotPromiseSettings, PromiseReservation


@admin.register(DepotPromiseSettings)
class DepotPromiseSettingsAdmin(admin.ModelAdmin):
    list_display = ["warehouse", "cutoff_time", "service_radius_m", "window_minutes"]


@admin.register(PromiseReservation)
class PromiseReservationAdmin(admin.ModelAdmin):
    list_display = ["reference", "partner", "warehouse", "date", "window_start", "status"]
    list_filter = ["status", "warehouse"]
    readonly_fields = [f.name for f in PromiseReservation._meta.fields]
