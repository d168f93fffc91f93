"""One raw Redis client per connection pool, for the few hot paths that pipeline commands
past Django's cache API (the tracking page, the ETA tick's pending set and log).

Django's `RedisCache` builds a new `redis.Redis` per `get_client()` call, and redis-py fills
~170 response callbacks into each new one: measurable on a page served in well under a
millisecond. Clients are thread-safe and share the backend's pool, so one per pool is enough.
"""

from __future__ import annotations

from django.core.cache import cache

_clients: dict[int, object] = {}


def redis_client():
    """The default cache's Redis client (write side), built once per connection pool."""
    backend = cache._cache
    pool = backend._get_connection_pool(write=True)
    client = _clients.get(id(pool))
    if client is None or client.connection_pool is not pool:
        client = _clients[id(pool)] = backend._client(connection_pool=pool)
    return client


def redis_serializer():
    """How Django's cache encodes values (to read raw GET replies the same way)."""
    return cache._cache._serializer
