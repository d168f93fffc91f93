"""DRF authentication for partner API keys: `request.user` becomes a `PartnerPrincipal`."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from partners.models import ApiKey, Partner
from partners.services.api_keys import KEY_PREFIX, hash_key

LAST_USED_RESOLUTION = timedelta(minutes=1)


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
