"""The audit trail of changes to partners, API keys, granted scopes and webhook endpoints."""

from __future__ import annotations

from partners.models import AuditEntry, Partner


def audit_record(*, actor, action: str, obj, partner: Partner | None = None, changes=None):
    """Record that `actor` (a user; None for the system) did `action` to `obj`. Called inside
    the service's transaction, so the entry exists exactly when the change does."""
    if partner is None:
        partner = obj if isinstance(obj, Partner) else getattr(obj, "partner", None)
    user = actor if getattr(actor, "pk", None) and hasattr(actor, "username") else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=(user.username if user else str(actor or "system"))[:150],
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        partner=partner,
        changes=changes or {},
    )
