"""Partner API keys: random, shown once, stored as SHA-256, with a visible prefix and scopes.

A key looks like `wb_<prefix>_<secret>`; clients send `Authorization: Bearer <key>` (or
`X-API-Key: <key>`, see partners.authentication). Keys have 256 bits of entropy, so a plain
SHA-256 is a safe hash. Staff create keys with any scope; a partner creates its own within the
scopes staff granted it (partners.services.accounts).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.exceptions import ValidationFailed
from partners.models import ApiKey, Partner
from partners.selectors import partner_allowed_scopes
from partners.services.audit import audit_record

KEY_PREFIX = "wb_"


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *,
    partner: Partner,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
    created_by=None,
    actor=None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with the raw secret, which is never stored or shown again.
    The audit trail names `actor` (e.g. the partner's key that made it), else `created_by`."""
    unknown = sorted(set(scopes) - set(ApiKey.Scope.values))
    if unknown:
        raise ValidationFailed(f"Unknown scopes: {', '.join(unknown)}.", field="scopes")
    if expires_at and expires_at <= timezone.now():
        raise ValidationFailed("The expiry must be in the future.", field="expires_at")
    prefix = secrets.token_hex(4)
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        partner=partner,
        name=name,
        prefix=prefix,
        key_hash=hash_key(raw),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
        created_by=created_by,
    )
    if (actor or created_by) is not None:
        audit_record(
            actor=actor or created_by,
            action="api_key.create",
            obj=key,
            changes={"prefix": prefix, "scopes": key.scopes},
        )
    return key, raw


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor=None) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at", "updated_at"])
        if actor is not None:
            audit_record(
                actor=actor,
                action="api_key.revoke",
                obj=api_key,
                changes={"prefix": api_key.prefix},
            )
    return api_key


@transaction.atomic
def api_key_scopes_set(*, api_key: ApiKey, scopes: list[str], actor=None) -> ApiKey:
    """Staff set a key's scopes; they must lie within the partner's grant."""
    granted = set(partner_allowed_scopes(partner=api_key.partner))
    outside = sorted(set(scopes) - granted)
    if outside:
        raise ValidationFailed(
            f"Not granted to {api_key.partner.name}: {', '.join(outside)}. Grant them first.",
            field="scopes",
        )
    if actor is not None:
        audit_record(
            actor=actor,
            action="api_key.scopes_set",
            obj=api_key,
            changes={"from": sorted(api_key.scopes), "to": sorted(set(scopes))},
        )
    api_key.scopes = sorted(set(scopes))
    api_key.save(update_fields=["scopes", "updated_at"])
    return api_key


def partner_api_key_create(
    *, partner: Partner, name: str, scopes: list[str], caller_scopes: list[str] | None = None, **key
) -> tuple[ApiKey, str]:
    """A partner creates its own key: scopes within its grant (and within the calling key's);
    the rest of the `key` (`expires_at`, `created_by`, `actor`) as for `api_key_create`."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("A name is required.", field="name")
    limit = set(partner_allowed_scopes(partner=partner))
    if caller_scopes is not None:
        limit &= set(caller_scopes)
    outside = sorted(set(scopes) - limit)
    if outside:
        raise ValidationFailed(
            f"These scopes are not available to you: {', '.join(outside)}.", field="scopes"
        )
    return api_key_create(partner=partner, name=name, scopes=scopes, **key)
