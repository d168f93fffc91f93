"""Partner API keys: random, shown once, stored as SHA-256, with a visible prefix and scopes.

A key looks like `wb_<prefix>_<secret>`; clients send `Authorization: Bearer <key>` (or
`X-API-Key: <key>`). Keys have 256 bits of entropy, so a plain SHA-256 is a safe hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from rest_framework import authentication, exceptions

from core.exceptions import ValidationFailed
from core.models import ApiKey, Partner

KEY_PREFIX = "wb_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@dataclass
class PartnerPrincipal:
    """`request.user` for a request authenticated with an API key."""

    partner: Partner
    api_key: ApiKey

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    @property
    def pk(self) -> str:
        return f"partner:{self.partner.pk}"

    id = pk

    def has_scope(self, scope: str) -> bool:
        return scope in self.api_key.scopes

    def __str__(self) -> str:
        return f"partner {self.partner.code}"


@transaction.atomic
def api_key_create(
    *,
    partner: Partner,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
    created_by=None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with the raw secret, which is never stored or shown again."""
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
    return key, raw


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at", "updated_at"])
    return api_key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """DRF authentication for partner API keys. Wrong, revoked or expired keys answer 401."""

    keyword = "Bearer"

    def authenticate(self, request):
        raw = request.headers.get("X-API-Key")
        header = request.headers.get("Authorization", "")
        if not raw and header.startswith(f"{self.keyword} "):
            raw = header[len(self.keyword) + 1 :].strip()
        if not raw:
            return None
        if not raw.startswith(KEY_PREFIX):
            raise exceptions.AuthenticationFailed("Malformed API key.")
        digest = hash_key(raw)
        key = ApiKey.objects.select_related("partner").filter(key_hash=digest).first()
        if key is None or not hmac.compare_digest(key.key_hash, digest):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        now = timezone.now()
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        if key.expires_at is not None and key.expires_at <= now:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        if not key.partner.is_active:
            raise exceptions.AuthenticationFailed("This partner account is inactive.")
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            # Coarse on purpose: one write per key per minute, not per request.
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return PartnerPrincipal(partner=key.partner, api_key=key), key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
