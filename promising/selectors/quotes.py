"""The quote cache: delivery options read a depot's calendar and stock from a cache at most
PROMISING_QUOTE_CACHE_S old; taking or expiring a hold at the depot drops it at once (a new
version), and holding re-checks everything exactly under its lock."""

from __future__ import annotations

from django.core.cache import cache


def _version_key(warehouse_pk: int) -> str:
    return f"promising:quote-version:{warehouse_pk}"


def quote_version(warehouse_pk: int) -> int:
    return cache.get(_version_key(warehouse_pk), 0)


def quotes_forget(warehouse_pk: int) -> None:
    """Drop the depot's cached calendars and stock (a hold changed what is free)."""
    key = _version_key(warehouse_pk)
    if not cache.add(key, 1, None):
        cache.incr(key)
