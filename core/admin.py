from django.contrib import admin

from core.models import OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["type", "partner", "created_at", "dispatched_at"]
    list_filter = ["type"]
