"""Demand forecasting writes: recompute the stored forecasts of a warehouse or one product.

Computation (seconds for thousands of series) runs outside any transaction; the rows of a
warehouse are then replaced in one transaction under a lock on the warehouse row, so two runs
for the same warehouse (a retried nightly task, a click on "recompute") serialise instead of
colliding, and readers always see either the old or the new forecasts.
"""

from __future__ import annotations

import time as clock
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core.exceptions import DomainError, ValidationFailed
from forecasting.engine.forecast import HORIZON, SeriesForecast, forecast_series
from forecasting.models import Forecast, ForecastMetric
from forecasting.selectors.history import (
    HISTORY_DAYS,
    DailySeries,
    demand_series,
    stocked_product_ids,
    volume_series,
)
from inventory.models import Product, Warehouse
from inventory.selectors.stock import warehouse_today


@dataclass
class ForecastRun:
    warehouse_id: int
    start_date: date
    series: int = 0
    models: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "warehouse_id": self.warehouse_id,
            "start_date": self.start_date.isoformat(),
            "series": self.series,
            "models": dict(self.models),
            "seconds": round(self.seconds, 2),
        }


def _history_note(series: DailySeries | None, start_date: date) -> str:
    if series is None or not len(series.values):
        return ""
    return (
        f"History {series.start} to {start_date - timedelta(days=1)} ({len(series.values)} days)."
    )


def _row(
    *,
    warehouse: Warehouse,
    metric: str,
    product_id: int | None,
    start_date: date,
    result: SeriesForecast,
    series: DailySeries | None,
    now,
) -> Forecast:
    values = series.values if series is not None else []
    return Forecast(
        warehouse=warehouse,
        product_id=product_id,
        metric=metric,
        start_date=start_date,
        model_name=result.model,
        demand_class=result.demand_class,
        reason=result.reason,
        point=result.point,
        lo80=result.lo80,
        hi80=result.hi80,
        lo95=result.lo95,
        hi95=result.hi95,
        cumulative_sigma=result.cumulative_sigma,
        sigma_span_days=result.sigma_span_days,
        mase=result.mase,
        bias=result.bias,
        mae=result.mae,
        candidates=result.candidates,
        history_days=len(values),
        history_total=round(float(sum(values))) if len(values) else 0,
        computed_at=now,
    )


def _forecast(series: DailySeries | None, start_date: date) -> SeriesForecast:
    values = series.values if series is not None else []
    return forecast_series(values, horizon=HORIZON, history_note=_history_note(series, start_date))


def _check_warehouse(warehouse) -> Warehouse:
    if not isinstance(warehouse, Warehouse) or warehouse.pk is None:
        raise ValidationFailed("Unknown warehouse.", field="warehouse", code="not_found")
    return warehouse


def forecast_warehouse_refresh(
    *,
    warehouse: Warehouse,
    product_ids: set[int] | None = None,
    include_volume: bool = True,
    history_days: int = HISTORY_DAYS,
) -> ForecastRun:
    """Recompute the warehouse's forecasts: every product with demand in the last
    `history_days` or stock in the warehouse (or only `product_ids`), and the order-volume
    forecasts (stops, parcels). A full run also drops forecasts of products that have neither
    any more. Never fails on odd data: each series gets a forecast and the reason. Idempotent.
    """
    warehouse = _check_warehouse(warehouse)
    started = clock.perf_counter()
    start_date = warehouse_today(warehouse)
    end = start_date - timedelta(days=1)
    series = demand_series(warehouse=warehouse, end=end, product_ids=product_ids, days=history_days)
    targets = set(series)
    if product_ids is None:
        targets |= stocked_product_ids(warehouse=warehouse)
    else:
        targets |= set(product_ids)
    now = timezone.now()
    run = ForecastRun(warehouse_id=warehouse.pk, start_date=start_date)
    rows = []
    for product_id in sorted(targets):
        result = _forecast(series.get(product_id), start_date)
        rows.append(
            _row(
                warehouse=warehouse,
                metric=ForecastMetric.DEMAND,
                product_id=product_id,
                start_date=start_date,
                result=result,
                series=series.get(product_id),
                now=now,
            )
        )
        run.models[result.model] += 1
    volume_rows = []
    if include_volume:
        volumes = volume_series(warehouse=warehouse, end=end, days=history_days)
        for metric in (ForecastMetric.STOPS, ForecastMetric.PARCELS):
            result = _forecast(volumes.get(metric), start_date)
            volume_rows.append(
                _row(
                    warehouse=warehouse,
                    metric=metric,
                    product_id=None,
                    start_date=start_date,
                    result=result,
                    series=volumes.get(metric),
                    now=now,
                )
            )
    with transaction.atomic():
        Warehouse.objects.select_for_update().filter(pk=warehouse.pk).first()
        stale = Forecast.objects.filter(warehouse=warehouse, metric=ForecastMetric.DEMAND)
        if product_ids is not None:
            stale = stale.filter(product_id__in=targets)
        stale.delete()
        if include_volume:
            Forecast.objects.filter(warehouse=warehouse, product__isnull=True).delete()
        Forecast.objects.bulk_create(rows + volume_rows, batch_size=500)
    run.series = len(rows) + len(volume_rows)
    run.seconds = clock.perf_counter() - started
    return run


def forecast_product_refresh(*, product: Product, warehouse: Warehouse) -> Forecast:
    """Recompute one product's forecast at one warehouse now (the product page's button);
    returns the stored row. Same rules as the nightly run."""
    if not isinstance(product, Product) or product.pk is None:
        raise ValidationFailed("Unknown product.", field="product", code="not_found")
    forecast_warehouse_refresh(warehouse=warehouse, product_ids={product.pk}, include_volume=False)
    return Forecast.objects.select_related("product", "warehouse").get(
        warehouse=warehouse, product=product, metric=ForecastMetric.DEMAND
    )


RECOMPUTE_KEY = "forecast-recompute:{}:{}"
RECOMPUTE_TTL_S = 15 * 60  # longer than a recompute ever takes; a lost task frees the button
RUN_KEY = "forecast-recompute-run:{}"
RUN_TTL_S = 24 * 3600  # the API's run resource: a receipt kept a day, as CSV import runs are
RUN_STATUSES = ("queued", "running", "done", "failed")


@dataclass(frozen=True)
class RecomputeStart:
    run_id: str
    queued: bool  # False: that product's recompute was already waiting or running
    run: dict  # its state, as forecast_recompute_run_get reads it


def forecast_product_refresh_start(*, product: Product, warehouse: Warehouse) -> RecomputeStart:
    """Queue `forecast_product_refresh` of one product at one warehouse after commit (the
    product page's "Recompute now" and the API's recompute: the engine's backtest takes about a
    second of CPU, too long for a request) and return its run. While that product's recompute
    is waiting or running, nothing is queued and its run is returned (a double click, or two
    callers, recompute once); after a failure a new start queues again."""
    from forecasting.tasks import forecast_product_task

    if not isinstance(product, Product) or product.pk is None:
        raise ValidationFailed("Unknown product.", field="product", code="not_found")
    key = RECOMPUTE_KEY.format(product.pk, warehouse.pk)
    pending = cache.get(key) or {}
    if pending.get("status") == "failed" or (pending and not pending.get("run")):
        cache.delete(key)  # a new click after a failure tries again
    run_id = uuid.uuid4().hex
    run = {
        "product_id": product.pk,
        "warehouse_id": warehouse.pk,
        "status": "queued",
        "detail": "",
        "errors": [],
        "queued_at": timezone.now().isoformat(),
        "started_at": None,
        "finished_at": None,
    }
    # The run is written before the product's claim, so a caller that loses the claim to this
    # one never reads a run id that does not exist yet.
    cache.set(RUN_KEY.format(run_id), run, RUN_TTL_S)
    if not cache.add(key, {"status": "queued", "detail": "", "run": run_id}, RECOMPUTE_TTL_S):
        cache.delete(RUN_KEY.format(run_id))
        pending = cache.get(key) or {}
        other = cache.get(RUN_KEY.format(pending["run"])) if pending.get("run") else None
        if other is not None:
            return RecomputeStart(run_id=pending["run"], queued=False, run=other)
        # The pending recompute ended (or expired) between the two reads: start afresh.
        return forecast_product_refresh_start(product=product, warehouse=warehouse)
    transaction.on_commit(
        lambda: forecast_product_task.delay(product.pk, warehouse.pk, run_id), robust=True
    )
    return RecomputeStart(run_id=run_id, queued=True, run=run)


def forecast_product_refresh_state(*, product: Product, warehouse: Warehouse) -> dict | None:
    """The pending recompute's state (`queued`, `running`, or `failed` with `detail`), None
    when none is pending."""
    return cache.get(RECOMPUTE_KEY.format(product.pk, warehouse.pk))


def forecast_recompute_run_get(*, run_id: str, product: Product, warehouse: Warehouse):
    """A recompute run of this product at this warehouse (`status` queued → running → done or
    failed, with `detail` and `errors`), None for an unknown, expired or other product's run."""
    run = cache.get(RUN_KEY.format(run_id)) if run_id.isalnum() else None
    if run is None or (run["product_id"], run["warehouse_id"]) != (product.pk, warehouse.pk):
        return None
    return run


def forecast_product_refresh_run(
    *, product_id: int, warehouse_id: int, run_id: str | None = None
) -> str:
    """Task body: the queued recompute, its state kept for the page until it ends (a failure
    stays shown until the next click) and on its run for a day. A run already finished (a
    redelivered task) is not recomputed again."""
    key = RECOMPUTE_KEY.format(product_id, warehouse_id)
    run_id = run_id or (cache.get(key) or {}).get("run")
    run_key = RUN_KEY.format(run_id) if run_id else None
    run = cache.get(run_key) if run_key else None
    if run is not None and run["status"] in ("done", "failed"):
        return run["status"]

    def save(**changes):
        if run is not None:
            run.update(changes)
            cache.set(run_key, run, RUN_TTL_S)

    product = Product.objects.filter(pk=product_id).first()
    warehouse = Warehouse.objects.filter(pk=warehouse_id).first()
    if product is None or warehouse is None:
        cache.delete(key)
        save(status="failed", detail="The product or warehouse no longer exists.")
        return "gone"
    cache.set(key, {"status": "running", "detail": "", "run": run_id}, RECOMPUTE_TTL_S)
    save(status="running", started_at=timezone.now().isoformat())
    try:
        forecast_product_refresh(product=product, warehouse=warehouse)
    except DomainError as exc:
        cache.set(key, {"status": "failed", "detail": exc.detail, "run": run_id}, RECOMPUTE_TTL_S)
        save(
            status="failed",
            detail=exc.detail,
            errors=list(exc.errors),
            finished_at=timezone.now().isoformat(),
        )
        return "failed"
    except Exception:
        cache.delete(key)
        save(
            status="failed",
            detail="The recompute stopped on an unexpected error; ask for it again.",
            finished_at=timezone.now().isoformat(),
        )
        raise
    cache.delete(key)
    save(status="done", finished_at=timezone.now().isoformat())
    return "done"
