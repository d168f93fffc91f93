"""Partner accounts (staff only): create a partner, grant it API scopes, add portal users."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from core.exceptions import ValidationFailed
from partners.models import ApiKey, Partner, PartnerAccess, PartnerMembership
from partners.services.audit import audit_record


@transaction.atomic
def partner_create(
    *,
    code: str,
    name: str,
    contact_email: str = "",
    allowed_scopes: list[str] = (),
    actor=None,
) -> Partner:
    """Create a partner with the scopes its own keys may hold (staff only)."""
    if Partner.objects.filter(code=code).exists():
        raise ValidationFailed(f"A partner with code '{code}' already exists.", field="code")
    partner = Partner.objects.create(code=code, name=name, contact_email=contact_email)
    if actor is not None:
        audit_record(
            actor=actor, action="partner.create", obj=partner, changes={"name": name, "code": code}
        )
    partner_scopes_set(partner=partner, allowed_scopes=list(allowed_scopes), actor=actor)
    return partner


@transaction.atomic
def partner_scopes_set(*, partner: Partner, allowed_scopes: list[str], actor=None) -> PartnerAccess:
    """Grant exactly these scopes; existing keys lose any scope no longer granted."""
    unknown = sorted(set(allowed_scopes) - set(ApiKey.Scope.values))
    if unknown:
        raise ValidationFailed(f"Unknown scopes: {', '.join(unknown)}.", field="allowed_scopes")
    granted = sorted(set(allowed_scopes))
    access, _ = PartnerAccess.objects.select_for_update().get_or_create(partner=partner)
    if actor is not None:
        audit_record(
            actor=actor,
            action="partner.scopes_set",
            obj=partner,
            changes={"from": sorted(access.allowed_scopes), "to": granted},
        )
    access.allowed_scopes = granted
    access.save()
    for key in ApiKey.objects.select_for_update().filter(partner=partner):
        kept = sorted(set(key.scopes) & set(granted))
        if kept != sorted(key.scopes):
            key.scopes = kept
            key.save(update_fields=["scopes", "updated_at"])
    return access


@transaction.atomic
def partner_delivery_pin_set(*, partner: Partner, required: bool, actor=None) -> Partner:
    """Whether the partner's new orders need a delivery PIN when the order does not say."""
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if actor is not None and partner.requires_delivery_pin != required:
        audit_record(
            actor=actor,
            action="partner.delivery_pin_set",
            obj=partner,
            changes={"from": partner.requires_delivery_pin, "to": required},
        )
    partner.requires_delivery_pin = bool(required)
    partner.save(update_fields=["requires_delivery_pin", "updated_at"])
    return partner


@transaction.atomic
def partner_member_add(
    *, partner: Partner, username: str, email: str, password: str, role: str, actor=None
) -> PartnerMembership:
    """Create a portal user for a partner (staff only); a user belongs to one partner."""
    if role not in PartnerMembership.Role.values:
        raise ValidationFailed(f"Unknown role '{role}'.", field="role")
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(f"The username '{username}' is taken.", field="username")
    user = User.objects.create_user(username=username, email=email, password=password)
    membership = PartnerMembership.objects.create(user=user, partner=partner, role=role)
    if actor is not None:
        audit_record(
            actor=actor,
            action="partner.member_add",
            obj=partner,
            changes={"username": username, "role": role},
        )
    return membership
