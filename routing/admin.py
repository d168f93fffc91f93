from django.contrib import admin

from routing.models import Driver, OptimizationJob, Plan, Route, Shift, Stop, Vehicle


class FleetReadOnly:
    """Vehicles, drivers and shifts are edited on the fleet pages (/routing/fleet/) or the API,
    whose services keep their rules (a vehicle with booked shifts keeps its depot, time off,
    overlaps, breaks inside the shift); the admin only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Vehicle)
class VehicleAdmin(FleetReadOnly, admin.ModelAdmin):
    list_display = ["code", "name", "depot", "capacity_weight_kg", "capacity_volume_m3",
                    "capacity_units", "is_active"]  # fmt: skip
    list_filter = ["depot", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Driver)
class DriverAdmin(FleetReadOnly, admin.ModelAdmin):
    list_display = ["user", "phone", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    raw_id_fields = ["user"]


@admin.register(Shift)
class ShiftAdmin(FleetReadOnly, admin.ModelAdmin):
    list_display = ["date", "vehicle", "driver", "start_time", "end_time", "break_duration_s"]
    list_filter = ["date", "vehicle__depot"]
    list_select_related = ["vehicle", "driver__user"]


class JobInline(admin.TabularInline):
    model = OptimizationJob
    extra = 0
    fields = ["kind", "status", "progress_pct", "best_cost", "elapsed_s", "engine", "error"]
    readonly_fields = fields
    can_delete = False


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["reference", "date", "status", "published_at"]
    list_filter = ["status", "date"]
    search_fields = ["reference"]
    filter_horizontal = ["depots", "shifts"]
    raw_id_fields = ["orders"]
    inlines = [JobInline]
    readonly_fields = ["status", "unassigned", "published_at"]


@admin.register(OptimizationJob)
class OptimizationJobAdmin(admin.ModelAdmin):
    list_display = ["pk", "plan", "kind", "status", "progress_pct", "elapsed_s", "engine"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in OptimizationJob._meta.fields]


class StopInline(admin.TabularInline):
    model = Stop
    extra = 0
    fields = ["sequence", "order", "status", "planned_arrival", "eta", "arrived_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ["plan", "sequence", "vehicle", "driver", "status", "is_locked", "distance_m"]
    list_filter = ["status", "plan__date"]
    list_select_related = ["plan", "vehicle", "driver__user"]
    readonly_fields = ["plan", "vehicle", "shift", "driver", "job"]
    inlines = [StopInline]
