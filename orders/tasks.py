"""Celery tasks of the orders app: thin wrappers that load rows by id and call a service."""

from celery import shared_task

from orders.geocoding import GeocoderUnavailable

# --- customer orders ------------------------------------------------------------------------


@shared_task(
    name="orders.tasks.order_geocode",
    acks_late=True,
    autoretry_for=(GeocoderUnavailable,),
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=8,
)
def order_geocode_task(order_id: int) -> bool:
    """Locate an order through the configured geocoder; True when it now has coordinates.

    Safe to run twice: an order that already has coordinates is left alone. Network failures
    (GeocoderUnavailable) are retried with exponential backoff.
    """
    from orders.models import CustomerOrder
    from orders.services import order_geocode

    order = CustomerOrder.objects.filter(pk=order_id).first()
    if order is None:
        return False
    return not order_geocode(order=order).needs_location


@shared_task(name="orders.tasks.orders_geocode_pending", acks_late=True)
def orders_geocode_pending() -> int:
    """Re-queue geocoding for open orders still without coordinates (after a geocoder outage)."""
    from orders.geocoding import geocoder_configured
    from orders.models import CustomerOrder, OrderStatus

    if not geocoder_configured():
        return 0
    ids = list(
        CustomerOrder.objects.filter(latitude__isnull=True)
        .exclude(status__in=[OrderStatus.DELIVERED, OrderStatus.CANCELLED])
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        order_geocode_task.delay(pk)
    return len(ids)


# --- picking ---------------------------------------------------------------------------------


@shared_task(name="orders.tasks.pick_wave_complete", acks_late=True)
def pick_wave_complete_task(wave_id: int, user_id: int | None = None) -> str:
    """Record a pick wave as picked (`pick_wave_complete`). Safe to run twice. An order that
    cannot be picked is recorded on the wave for the floor to see (no retry: a retry would meet
    the same stock); anything unexpected is recorded too and raised, so the task is logged as
    failed."""
    from django.contrib.auth import get_user_model

    from core.exceptions import DomainError
    from orders.models import PickWave
    from orders.services.picking import pick_wave_complete, pick_wave_stop

    wave = PickWave.objects.filter(pk=wave_id).first()
    if wave is None:
        return "gone"
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        pick_wave_complete(wave=wave, user=user)
    except DomainError:
        return "stopped"
    except Exception:
        pick_wave_stop(wave=wave, error="Picking stopped on an unexpected error; try again.")
        raise
    return "done"


# --- imports ---------------------------------------------------------------------------------


@shared_task(name="orders.tasks.orders_import_run", acks_late=True, ignore_result=True)
def orders_import_run_task(run_id: str) -> str:
    """Import a queued CSV run (`orders_import_run`); safe to run twice."""
    from orders.services.import_runs import orders_import_run

    return (orders_import_run(run_id=run_id) or {}).get("status", "gone")
