"""Celery tasks: thin wrappers that take ids and call services; safe to run twice."""

from __future__ import annotations

from celery import shared_task

from tracking import services


@shared_task(acks_late=True, ignore_result=True)
def route_eta_refresh(route_id: int, trailing: bool = False) -> None:
    services.eta_refresh_run(route_id=route_id, trailing=trailing)


@shared_task(acks_late=True, ignore_result=True)
def eta_tick() -> int:
    """Recompute every route whose ETA request is due (see `services.eta_tick_run`)."""
    return services.eta_tick_run()


@shared_task(name="tracking.tasks.stops_announce", acks_late=True, ignore_result=True)
def stops_announce_task(next_stop_ids: list[int], moved: list) -> int:
    """What an ETA recompute found customers must hear (see `stops_announce`)."""
    from tracking.services.notifications import stops_announce

    return stops_announce(next_stop_ids=next_stop_ids, moved=moved)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=6,
)
def notification_send(self, notification_id: int) -> str:
    try:
        return services.notification_send(notification_id=notification_id)
    except OSError as exc:
        if self.request.retries >= self.max_retries:
            from tracking.services.notifications import notification_fail

            notification_fail(notification_id=notification_id, error=str(exc))
        raise


@shared_task(ignore_result=True)
def pings_prune() -> int:
    return services.pings_prune()


@shared_task(acks_late=True, ignore_result=True)
def eta_windows_refresh() -> int:
    """Cut today's ETA windows from earlier days' errors (a no-op once they exist)."""
    return len(services.eta_windows_refresh())


@shared_task(ignore_result=True)
def eta_sweep() -> int:
    """Recompute routes that changed without telling tracking (a re-plan, a moved stop), and
    resume the ETA ticks if requests wait without one scheduled."""
    from tracking.selectors import routes_needing_eta

    route_ids = routes_needing_eta()
    for route_id in route_ids:
        services.eta_request(route_id=route_id, force=True)
    services.eta_ticks_resume()
    return len(route_ids)


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=6,
)
def delivery_pin_send(order_id: int) -> str:
    """Issue and send an order's delivery PIN (at most once; see the service)."""
    from tracking.services.handover import delivery_pin_send as send

    return send(order_id=order_id)
