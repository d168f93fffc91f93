"""Celery tasks of forecasting: thin wrappers that load rows by id and call a service.

The registered names keep the `orders.tasks.` prefix they had before forecasting became its own
app, so messages already queued (and beat entries) under those names still run.
"""

from celery import shared_task


@shared_task(name="orders.tasks.forecast_warehouse", acks_late=True, max_retries=2)
def forecast_warehouse_task(warehouse_id: int) -> dict:
    """Recompute one warehouse's forecasts (products and order volume); safe to run twice."""
    from forecasting.services import forecast_warehouse_refresh
    from inventory.models import Warehouse

    warehouse = Warehouse.objects.filter(pk=warehouse_id, is_active=True).first()
    if warehouse is None:
        return {"warehouse_id": warehouse_id, "series": 0, "skipped": True}
    return forecast_warehouse_refresh(warehouse=warehouse).as_dict()


@shared_task(name="orders.tasks.forecasts_summarise", acks_late=True)
def forecasts_summarise(results: list[dict]) -> dict:
    """Chord callback: totals of a nightly run (series and models per warehouse)."""
    import logging

    summary = {
        "warehouses": len(results),
        "series": sum(r.get("series", 0) for r in results),
        "seconds": round(sum(r.get("seconds", 0.0) for r in results), 2),
    }
    logging.getLogger("forecasting").info("nightly forecasts: %s", summary)
    return summary


@shared_task(name="orders.tasks.forecasts_nightly", acks_late=True)
def forecasts_nightly() -> int:
    """Beat, nightly: one forecast task per active warehouse, run in parallel as a chord whose
    callback summarises the run. Returns how many warehouse tasks were started."""
    from celery import chord

    from inventory.models import Warehouse

    ids = list(Warehouse.objects.filter(is_active=True).values_list("pk", flat=True))
    if ids:
        chord(forecast_warehouse_task.s(pk) for pk in ids)(forecasts_summarise.s())
    return len(ids)


@shared_task(name="forecasting.tasks.forecast_product", acks_late=True, ignore_result=True)
def forecast_product_task(product_id: int, warehouse_id: int, run_id: str | None = None) -> str:
    """Recompute one product's forecast at one warehouse (the product page's button, the API's
    recompute: `run_id` is the run it reports on; messages queued without one still run)."""
    from forecasting.services import forecast_product_refresh_run

    return forecast_product_refresh_run(
        product_id=product_id, warehouse_id=warehouse_id, run_id=run_id
    )
