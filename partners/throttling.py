"""Per-API-key rate limiting, counted atomically in Redis (the API's default throttle).

A fixed window (`API_RATE_LIMIT`, e.g. "600/min") per identity: the API key for partners, the
user for staff sessions, the client address for anonymous calls. The counter is one Redis
`INCR` + `EXPIRE` in a pipeline, so concurrent requests cannot undercount (DRF's default
throttles read-modify-write a list in the cache and can). The same round trip counts the key's
daily usage shown in the partner portal; for a key this process has seen before, API-key
authentication queues the count with its cached-key read (`queue_rate_limit_hit`), so a partner
request costs one Redis round trip in all. If Redis is unreachable the API stays up (fail open)
and logs it; core.throttling.RateLimitHeadersMiddleware adds the RateLimit-* headers.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from core.throttling import RateLimitState, client_ip, parse_rate, redis_client

logger = logging.getLogger(__name__)

USAGE_RETENTION = timedelta(days=40)


def _usage_key(api_key_id: int, day: date) -> str:
    return cache.make_key(f"usage:key:{api_key_id}:{day.isoformat()}")


def usage_by_day(api_key_ids: list[int], days: list[date]) -> dict[tuple[int, date], int]:
    """Requests counted per (key id, day), read from Redis; missing days are 0."""
    pairs = [(k, d) for k in api_key_ids for d in days]
    if not pairs:
        return {}
    try:
        values = redis_client().mget([_usage_key(k, d) for k, d in pairs])
    except Exception:  # (usage is informative; never break the page)
        logger.exception("could not read API usage counters")
        values = [None] * len(pairs)
    return {pair: int(v or 0) for pair, v in zip(pairs, values, strict=True)}


def ident_for(request) -> tuple[str, int | None]:
    principal = request.user
    api_key = getattr(principal, "api_key", None)
    if api_key is not None:
        return f"key:{api_key.pk}", api_key.pk
    if getattr(principal, "is_authenticated", False):
        return f"user:{principal.pk}", None
    return f"ip:{client_ip(request)}", None


def queue_rate_limit_hit(pipe, *, ident: str, api_key_id: int | None, now: float, rate=None):
    """Queue one request's counting on a Redis pipeline: the window's INCR first (its result is
    the count), then the EXPIREs, and the key's daily usage. Returns (limit, reset_s)."""
    limit, period = parse_rate(rate or settings.API_RATE_LIMIT)
    window = int(now // period)
    reset_s = max(1, math.ceil((window + 1) * period - now))
    key = cache.make_key(f"throttle:{ident}:{period}:{window}")
    pipe.incr(key)
    pipe.expire(key, period + 1)
    if api_key_id is not None:
        usage = _usage_key(api_key_id, datetime.fromtimestamp(now, tz=UTC).date())
        pipe.incr(usage)
        pipe.expire(usage, int(USAGE_RETENTION.total_seconds()))
    return limit, reset_s


def rate_limit_hit(request, *, rate: str | None = None, now: float | None = None):
    """Count one request; returns the window state, or None when Redis is unavailable."""
    now = time.time() if now is None else now
    ident, api_key_id = ident_for(request)
    try:
        pipe = redis_client().pipeline(transaction=False)
        limit, reset_s = queue_rate_limit_hit(
            pipe, ident=ident, api_key_id=api_key_id, now=now, rate=rate
        )
        count = pipe.execute()[0]
    except Exception:  # (fail open: rate limiting must not take the API down)
        logger.exception("rate limiter unavailable; request allowed")
        return None
    return RateLimitState(limit=limit, remaining=max(0, limit - count), reset_s=reset_s), count


class ApiKeyRateThrottle(BaseThrottle):
    """DRF throttle: `API_RATE_LIMIT` per key/user/IP; 429 with Retry-After when exceeded."""

    def allow_request(self, request, view):
        # API-key authentication usually counted the request already, in its own round trip.
        hit = getattr(request._request, "rate_limit_hit", None) or rate_limit_hit(request)
        if hit is None:
            return True
        state, count = hit
        # The middleware copies these onto the response, 429s included.
        request._request.rate_limit = state
        self._wait = state.reset_s
        return count <= state.limit

    def wait(self):
        return self._wait
