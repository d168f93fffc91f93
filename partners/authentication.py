"""DRF authentication for partner API keys: `request.user` becomes a `PartnerPrincipal`.

The key (with its partner) is read from the Redis cache by its hash, so an authenticated
request costs no database query; the row is cached for `KEY_CACHE_TIMEOUT` and dropped from the
cache whenever the key or its partner is saved or deleted (`forget_api_keys`, connected in
PartnersConfig.ready), so revocation, new scopes and deactivation apply to the next request.
Once a process has seen a key, the read of the cached key also counts the request for the rate
limit (partners.throttling), so a partner's request costs one Redis round trip and no query.
"""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from rest_framework import authentication, exceptions

from core.throttling import RateLimitState, redis_client
from partners.models import ApiKey, Partner
from partners.services.api_keys import KEY_PREFIX, hash_key
from partners.throttling import queue_rate_limit_hit

logger = logging.getLogger(__name__)

LAST_USED_RESOLUTION = timedelta(minutes=1)
KEY_CACHE_TIMEOUT = 300  # seconds; a safety net only, saves drop the entry at once
_MISSING = object()


def _cache_key(digest: str) -> str:
    return f"apikey:{digest}"


def api_key_by_hash(digest: str) -> ApiKey | None:
    """The key with this hash and its partner, from the cache when present."""
    try:
        key = cache.get(_cache_key(digest), _MISSING)
    except Exception:  # (a cache outage must not lock partners out; the database answers)
        key = _MISSING
    if key is _MISSING:
        key = ApiKey.objects.select_related("partner").filter(key_hash=digest).first()
        if key is not None:
            _remember(key)
    return key


# A key's hash never changes hands, so which key id it belongs to can be remembered for the
# life of the process; knowing the id before the key is read lets the rate-limit count ride in
# the same Redis round trip as the cached key.
_KEY_IDS: dict[str, int] = {}


def _api_key_counting(request, digest: str) -> ApiKey | None:
    """`api_key_by_hash`, counting the request for the throttle in the same round trip when
    the key's id is known (the hit is left on the request for ApiKeyRateThrottle)."""
    key_id = _KEY_IDS.get(digest)
    if key_id is None:
        key = api_key_by_hash(digest)
        if key is not None:
            _KEY_IDS[digest] = key.pk
        return key
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.get(cache.make_key(_cache_key(digest)))
        limit, reset_s = queue_rate_limit_hit(
            pipe, ident=f"key:{key_id}", api_key_id=key_id, now=time.time()
        )
        cached, count = pipe.execute()[:2]
    except Exception:  # (the plain path reads the key and counts on its own)
        logger.exception("could not read a cached API key and count its request")
        return api_key_by_hash(digest)
    request._request.rate_limit_hit = (
        RateLimitState(limit=limit, remaining=max(0, limit - count), reset_s=reset_s),
        count,
    )
    if cached is None:
        return api_key_by_hash(digest)
    # The cache's own serializer: entries were written with cache.set (_remember).
    return cache._cache._serializer.loads(cached)


def _remember(key: ApiKey) -> None:
    try:
        cache.set(_cache_key(key.key_hash), key, KEY_CACHE_TIMEOUT)
    except Exception:  # (caching is an optimisation)
        logger.exception("could not cache an API key")


def forget_api_keys(digests: list[str]) -> None:
    """Drop cached keys now and again after the surrounding transaction commits (a request
    between the two could have cached the row as it was before the commit)."""
    names = [_cache_key(d) for d in digests]
    if not names:
        return
    _delete(names)
    transaction.on_commit(lambda: _delete(names))


def _delete(names: list[str]) -> None:
    try:
        cache.delete_many(names)
    except Exception:  # (the entries expire after KEY_CACHE_TIMEOUT anyway)
        logger.exception("could not drop cached API keys")


def api_key_saved(sender, instance, **kwargs) -> None:
    forget_api_keys([instance.key_hash])


def partner_saved(sender, instance, **kwargs) -> None:
    forget_api_keys(
        list(ApiKey.objects.filter(partner=instance).values_list("key_hash", flat=True))
    )


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
        key = _api_key_counting(request, digest)
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
            key.last_used_at = now
            _remember(key)
        return PartnerPrincipal(partner=key.partner, api_key=key), key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
