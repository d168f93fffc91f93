from django.contrib import admin

from partners.models import ApiKey, Partner


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active", "created_at"]
    search_fields = ["code", "name"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["partner", "name", "prefix", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["prefix", "key_hash", "last_used_at"]
    list_filter = ["partner"]
