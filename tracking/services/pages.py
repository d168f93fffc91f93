"""The customer tracking page's Redis cache: one entry per token, invalidated on any change.

Invalidation deletes the entry at once and again after commit (a page rendered from the old
rows by a concurrent request while the transaction was open cannot outlive the commit by more
than that request's render time); TRACKING_PAGE_CACHE_S bounds anything missed.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db import transaction

from tracking import conf

PAGE_KEY = "tracking:page:{}"


def page_key(token: str) -> str:
    return PAGE_KEY.format(hashlib.sha256(token.encode()).hexdigest()[:32])


def page_cached(*, token: str):
    return cache.get(page_key(token))


def page_store(*, token: str, content) -> None:
    cache.set(page_key(token), content, conf.get("TRACKING_PAGE_CACHE_S"))


def page_invalidate(*, token: str) -> None:
    """Forget the cached page of `token` now and once more when the transaction commits."""
    pages_invalidate(tokens=[token])


def pages_invalidate(*, tokens) -> None:
    """`page_invalidate` for many tokens in two cache round trips."""
    keys = [page_key(t) for t in tokens if t]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys), robust=True)
