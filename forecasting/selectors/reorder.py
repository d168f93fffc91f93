"""The forecast-driven reorder policy behind purchasing's suggestions: lead-time demand and
safety stock from stored forecasts, and purchasing's `ReorderSuggestion` rows built from them."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date

from core.exceptions import ValidationFailed
from forecasting.engine.safety import LeadTimeDemand, lead_time_demand
from forecasting.models import Forecast, ForecastMetric
from inventory.models import Warehouse
from inventory.selectors.stock import stock_available, warehouse_today
from purchasing.models import Supplier
from purchasing.selectors import (
    ReorderSuggestion,
    purchase_on_order_quantities,
    reorder_quantity,
    reorder_suggestions,
    supplier_options_by_product,
    supplier_product_choice,
    suppliers_performance,
)

REORDER_POLICIES = ("fixed", "forecast")
# Days between two reorder reviews (the nightly suggestion run): the order covers them too.
REVIEW_PERIOD_DAYS = 7
# Lead time assumed for a product no active supplier sells (a supplier's default lead time).
DEFAULT_LEAD_TIME_DAYS = 7
MIN_LEAD_TIME_SAMPLES = 3


def supplier_lead_time_std_days(*, supplier_ids) -> dict[int, float]:
    """Standard deviation of each supplier's measured lead times (days from sending an order to
    the delivery completing it, purchasing's supplier performance) when at least
    `MIN_LEAD_TIME_SAMPLES` deliveries were measured."""
    suppliers = list(Supplier.objects.filter(pk__in=list(supplier_ids)))
    if not suppliers:
        return {}
    performance = suppliers_performance(suppliers=suppliers)
    return {
        pk: statistics.pstdev(perf.lead_time_days)
        for pk, perf in performance.items()
        if len(perf.lead_time_days) >= MIN_LEAD_TIME_SAMPLES
    }


def _check_service_level(service_level) -> float:
    try:
        value = float(service_level)
    except (TypeError, ValueError):
        value = -1.0
    if not 0.5 <= value < 1:
        raise ValidationFailed(
            "Service level must be at least 0.5 and below 1, e.g. 0.95.",
            field="service_level",
            code="invalid",
        )
    return value


def forecast_lead_time_demand(
    *,
    forecast: Forecast,
    lead_time_days: int,
    service_level: float,
    lead_time_std_days: float = 0.0,
    today: date | None = None,
) -> LeadTimeDemand:
    """Lead-time demand and safety stock from a stored forecast, counted from `today`."""
    today = today or warehouse_today(forecast.warehouse)
    offset = max((today - forecast.start_date).days, 0)
    return lead_time_demand(
        point=forecast.point[offset:] or forecast.point[-7:],
        hi95=forecast.hi95[offset:] or forecast.hi95[-7:],
        lead_time_days=lead_time_days,
        service_level=service_level,
        lead_time_std_days=lead_time_std_days,
        cumulative_sigma=forecast.cumulative_sigma if offset == 0 else None,
        sigma_span_days=forecast.sigma_span_days,
    )


@dataclass
class ForecastReorder:
    """The numbers behind a forecast-driven suggestion."""

    lead_time: LeadTimeDemand
    review: LeadTimeDemand
    position: int
    reorder_point: int
    order_up_to: int


def reorder_suggestions_forecast(
    *, warehouse: Warehouse | None = None, service_level: float = 0.95
) -> list[ReorderSuggestion]:
    """Forecast-driven reorder policy: suggest an order when available + on order (including
    draft and submitted orders) falls below expected demand over the supplier's lead time plus
    safety stock for `service_level` (reorder point, rounded up to whole units).

    The quantity brings the position up to the demand over lead time + `REVIEW_PERIOD_DAYS` plus
    safety stock, raised to the product's reorder quantity and the supplier's minimum and packs
    (purchasing's `reorder_quantity`). The safety stock adds the supplier's measured lead-time
    variance when it has at least 3 measured deliveries. Each suggestion's `reason` explains the
    numbers, e.g. "lead time 6 d, expected demand 84 ± 19, safety stock 24 (95 % service, …)".
    Products never forecast are left to the fixed policy.
    """
    service_level = _check_service_level(service_level)
    forecasts = list(
        Forecast.objects.select_related("product", "warehouse").filter(
            metric=ForecastMetric.DEMAND,
            product__is_active=True,
            warehouse__is_active=True,
            **({"warehouse": warehouse} if warehouse is not None else {}),
        )
    )
    forecasts.sort(key=lambda f: (f.product.sku, f.warehouse.code))
    if not forecasts:
        return []
    product_ids = {f.product_id for f in forecasts}
    on_order = purchase_on_order_quantities(
        product_ids=product_ids,
        warehouse_ids={f.warehouse_id for f in forecasts},
        include_pending=True,
    )
    options = supplier_options_by_product(product_ids=list(product_ids))
    choices = {
        f.product_id: supplier_product_choice(
            product=f.product, options=options.get(f.product_id, [])
        )
        for f in forecasts
    }
    lead_std = supplier_lead_time_std_days(
        supplier_ids={c.supplier_id for c in choices.values() if c is not None}
    )
    suggestions = []
    for forecast in forecasts:
        if forecast.model_name == Forecast.ModelName.ZERO:
            continue
        product, target = forecast.product, forecast.warehouse
        choice = choices[forecast.product_id]
        lead_days = choice.effective_lead_time_days if choice else DEFAULT_LEAD_TIME_DAYS
        std = lead_std.get(choice.supplier_id, 0.0) if choice else 0.0
        numbers = forecast_reorder_numbers(
            forecast=forecast,
            lead_time_days=lead_days,
            lead_time_std_days=std,
            service_level=service_level,
            available=stock_available(product=product, warehouse=target),
            on_order=on_order.get((product.pk, target.pk), 0),
        )
        if numbers.position >= numbers.reorder_point:
            continue
        quantity = reorder_quantity(
            shortfall=numbers.order_up_to - numbers.position,
            reorder_qty=product.reorder_qty,
            min_order_qty=choice.min_order_qty if choice else 1,
            pack_size=choice.pack_size if choice else 1,
        )
        reason = (
            f"Forecast policy: {numbers.lead_time.explain()}; reorder point "
            f"{numbers.reorder_point}, position {numbers.position}; order up to "
            f"{numbers.order_up_to} (lead time + {REVIEW_PERIOD_DAYS} d review)."
        )
        if choice is None:
            reason += (
                f" No active supplier sells this product (lead time {DEFAULT_LEAD_TIME_DAYS} d"
                " assumed)."
            )
        suggestions.append(
            ReorderSuggestion(
                product=product,
                warehouse=target,
                available=numbers.position - on_order.get((product.pk, target.pk), 0),
                on_order=on_order.get((product.pk, target.pk), 0),
                reorder_point=numbers.reorder_point,
                quantity=quantity,
                supplier_product=choice,
                reason=reason,
            )
        )
    return suggestions


def forecast_reorder_numbers(
    *,
    forecast: Forecast,
    lead_time_days: int,
    service_level: float,
    available: int,
    on_order: int,
    lead_time_std_days: float = 0.0,
    review_days: int = REVIEW_PERIOD_DAYS,
) -> ForecastReorder:
    """Reorder point = ceil(expected lead-time demand + safety stock); order-up-to level =
    ceil(expected demand over lead time + review period + its safety stock)."""
    lead = forecast_lead_time_demand(
        forecast=forecast,
        lead_time_days=lead_time_days,
        service_level=service_level,
        lead_time_std_days=lead_time_std_days,
    )
    review = forecast_lead_time_demand(
        forecast=forecast,
        lead_time_days=lead_time_days + review_days,
        service_level=service_level,
        lead_time_std_days=lead_time_std_days,
    )
    return ForecastReorder(
        lead_time=lead,
        review=review,
        position=available + on_order,
        reorder_point=math.ceil(lead.reorder_point - 1e-9),
        order_up_to=math.ceil(review.reorder_point - 1e-9),
    )


def reorder_suggestions_for_policy(
    *,
    reorder_policy: str = "fixed",
    warehouse: Warehouse | None = None,
    service_level: float = 0.95,
) -> list[ReorderSuggestion]:
    """Purchasing's suggestions under a policy: "fixed" (the product's reorder point,
    `purchasing.selectors.reorder_suggestions`) or "forecast"
    (`reorder_suggestions_forecast`). Both return purchasing's `ReorderSuggestion`, so
    `reorder_purchase_orders_create(user=…, suggestions=…)` turns either into draft orders."""
    if reorder_policy == "fixed":
        return reorder_suggestions(warehouse=warehouse)
    if reorder_policy == "forecast":
        return reorder_suggestions_forecast(warehouse=warehouse, service_level=service_level)
    raise ValidationFailed(
        f"Unknown reorder policy; use one of {', '.join(REORDER_POLICIES)}.",
        field="reorder_policy",
        code="invalid_choice",
    )
