from celery import shared_task

from core.idempotency import idempotency_purge as _idempotency_purge


@shared_task(name="core.tasks.idempotency_purge")
def idempotency_purge() -> int:
    return _idempotency_purge()


@shared_task(name="core.tasks.ping")
def ping(value: str = "pong") -> str:
    """Round-trip check used by /readyz tooling and the worker integration test."""
    return value
