"""The audit trail of changes to partners, API keys, granted scopes and webhook endpoints."""

from __future__ import annotations

from partners.models import ApiKey, AuditEntry, Partner


def actor_label(actor) -> str:
    """How the trail names an actor: a user's name, `API key <prefix> (<name>)`, or system."""
    if isinstance(actor, ApiKey):
        return f"API key {actor.prefix} ({actor.name})"
    return getattr(actor, "username", None) or str(actor or "system")


def audit_record(*, actor, action: str, obj, partner: Partner | None = None, changes=None):
    """Record that `actor` (a user, a partner's API key, or None for the system) did `action`
    to `obj`. Called inside the service's transaction, so the entry exists exactly when the
    change does."""
    if partner is None:
        partner = obj if isinstance(obj, Partner) else getattr(obj, "partner", None)
    user = actor if getattr(actor, "pk", None) and hasattr(actor, "username") else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=actor_label(actor)[:150],
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        partner=partner,
        changes=changes or {},
    )
