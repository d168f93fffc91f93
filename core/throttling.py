"""Rate-limit plumbing shared by the API throttle (partners.throttling) and public pages.

`parse_rate()` reads settings such as "600/min"; `client_ip()` is the caller's address:
REMOTE_ADDR, with `X-Forwarded-For` consulted only for the number of trusted proxies in
`API_TRUSTED_PROXY_COUNT` (taken from the right), so a spoofed header cannot mint fresh
identities. `RateLimitHeadersMiddleware` copies a counted window's state onto the response.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

_PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600}
_PERIODS |= {"hour": 3600, "d": 86400, "day": 86400}


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    reset_s: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_s),
        }


def parse_rate(rate: str) -> tuple[int, int]:
    """'600/min' → (600, 60)."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip().lower()]


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.API_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    return hops[-min(proxies, len(hops))] if hops else remote


def redis_client():
    """The cache's Redis client (Django's RedisCache keeps it private; pipelines need it)."""
    return cache._cache.get_client(write=True)


class RateLimitHeadersMiddleware:
    """Adds RateLimit-Limit/-Remaining/-Reset to every API response the throttle counted."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        state = getattr(request, "rate_limit", None)
        if state is not None:
            for name, value in state.headers().items():
                response[name] = value
        return response
