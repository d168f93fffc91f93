from django.contrib import admin

from partners.models import ApiKey, AuditEntry, Partner, PartnerAccess, WebhookEndpoint
from partners.services.audit import audit_record


class AuditedAdmin(admin.ModelAdmin):
    """Edits made in the admin land in the audit trail like those made on the staff pages."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        action = "change" if change else "create"
        changed = {name: str(form.cleaned_data.get(name)) for name in form.changed_data}
        audit_record(
            actor=request.user,
            action=f"{obj._meta.model_name}.admin_{action}",
            obj=obj,
            changes=changed,
        )

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action=f"{obj._meta.model_name}.admin_delete", obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(actor=request.user, action=f"{obj._meta.model_name}.admin_delete", obj=obj)
        super().delete_queryset(request, queryset)


@admin.register(Partner)
class PartnerAdmin(AuditedAdmin):
    list_display = ["code", "name", "is_active", "created_at"]
    search_fields = ["code", "name"]


@admin.register(ApiKey)
class ApiKeyAdmin(AuditedAdmin):
    list_display = ["partner", "name", "prefix", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["prefix", "key_hash", "last_used_at"]
    list_filter = ["partner"]


@admin.register(PartnerAccess)
class PartnerAccessAdmin(AuditedAdmin):
    list_display = ["partner", "allowed_scopes"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(AuditedAdmin):
    list_display = ["partner", "public_id", "url", "is_active", "disabled_reason"]
    list_filter = ["is_active"]
    exclude = ["secret", "previous_secret"]  # signing secrets never leave the database
    readonly_fields = ["public_id", "partner"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail, read-only: who did what to which partner object, and when."""

    list_display = ["at", "actor_name", "action", "object_type", "object_repr", "partner"]
    list_filter = ["action", "object_type", "partner"]
    search_fields = ["actor_name", "object_repr", "object_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
