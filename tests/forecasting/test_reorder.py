"""The forecast-driven reorder policy on top of purchasing's suggestions."""

from datetime import timedelta

import pytest

from core.exceptions import ValidationFailed
from forecasting.engine.forecast import Z95
from forecasting.models import Forecast
from forecasting.selectors import (
    forecast_reorder_numbers,
    reorder_suggestions_for_policy,
    reorder_suggestions_forecast,
)
from inventory.services import stock_receive
from purchasing.models import PurchaseOrder
from purchasing.services import reorder_purchase_orders_create
from tests.conftest import make_user
from tests.factories import LocationFactory, SupplierFactory, SupplierProductFactory


@pytest.fixture
def steady(fc_warehouse, widget):
    """A stored forecast of 12 units a day with sigma_day = 3 (no measured error)."""
    from django.utils import timezone

    from inventory.selectors.stock import warehouse_today

    return Forecast.objects.create(
        warehouse=fc_warehouse,
        product=widget,
        start_date=warehouse_today(fc_warehouse),
        model_name="auto_ets",
        demand_class="smooth",
        point=[12.0] * 28,
        lo80=[8.0] * 28,
        hi80=[16.0] * 28,
        lo95=[6.0] * 28,
        hi95=[12 + Z95 * 3] * 28,
        computed_at=timezone.now(),
    )


@pytest.fixture
def supplier_row(widget):
    supplier = SupplierFactory(code="FCSUP", lead_time_days=6)
    return SupplierProductFactory(supplier=supplier, product=widget, pack_size=10, min_order_qty=1)


def test_reorder_numbers_on_a_hand_computed_example(steady):
    # 6 days: expected 72, sigma = 3 x sqrt(6) = 7.35, 95 %: safety stock 12.09 → reorder at 85;
    # 13 days (lead time + 7-day review): 156 + 1.6449 x 3 x sqrt(13) = 173.8 → up to 174.
    numbers = forecast_reorder_numbers(
        forecast=steady, lead_time_days=6, service_level=0.95, available=30, on_order=20
    )
    assert numbers.lead_time.expected == pytest.approx(72)
    assert numbers.lead_time.sigma == pytest.approx(7.348, abs=1e-3)
    assert numbers.reorder_point == 85
    assert numbers.order_up_to == 174
    assert numbers.position == 50


def test_forecast_policy_suggests_an_order_and_explains_it(
    steady, supplier_row, fc_warehouse, widget
):
    stock_receive(product=widget, location=LocationFactory(warehouse=fc_warehouse), quantity=30)
    [suggestion] = reorder_suggestions_forecast(service_level=0.95)
    assert suggestion.product == widget and suggestion.warehouse == fc_warehouse
    assert suggestion.available == 30 and suggestion.reorder_point == 85
    assert suggestion.quantity == 150  # 174 - 30 = 144, rounded up to packs of 10
    assert suggestion.supplier_product == supplier_row
    assert "lead time 6 d, expected demand 72 ± 7, safety stock 13" in suggestion.reason
    assert "order up to 174" in suggestion.reason


def test_no_suggestion_when_stock_covers_the_lead_time(steady, supplier_row, fc_warehouse, widget):
    stock_receive(product=widget, location=LocationFactory(warehouse=fc_warehouse), quantity=89)
    assert reorder_suggestions_forecast(service_level=0.95) == []  # reorder point 85
    # 99 %: 72 + 2.326 x 7.348 = 89.1 → reorder point 90 > 89
    [suggestion] = reorder_suggestions_forecast(service_level=0.99)
    assert suggestion.reorder_point == 90


def test_zero_forecasts_never_trigger_an_order(steady, supplier_row):
    Forecast.objects.filter(pk=steady.pk).update(model_name="zero", point=[0.0] * 28)
    assert reorder_suggestions_forecast() == []


def test_suggestions_become_a_draft_purchase_order(steady, supplier_row, widget):
    user = make_user("purchasing")
    suggestions = reorder_suggestions_for_policy(reorder_policy="forecast")
    [po] = reorder_purchase_orders_create(user=user, suggestions=suggestions)
    assert po.status == PurchaseOrder.Status.DRAFT
    assert po.source == PurchaseOrder.Source.REORDER
    assert po.lines.get().quantity == 180  # nothing in stock: 174 → 180 in packs of 10


def test_unknown_policy_or_service_level_is_refused_naming_the_field(steady):
    with pytest.raises(ValidationFailed) as exc:
        reorder_suggestions_for_policy(reorder_policy="magic")
    assert exc.value.errors[0]["field"] == "reorder_policy"
    with pytest.raises(ValidationFailed) as exc:
        reorder_suggestions_forecast(service_level=1.5)
    assert exc.value.errors[0]["field"] == "service_level"


def test_a_stale_forecast_counts_from_today(steady):
    Forecast.objects.filter(pk=steady.pk).update(
        start_date=steady.start_date - timedelta(days=3),
        point=[1.0] * 3 + [12.0] * 25,
    )
    steady.refresh_from_db()
    numbers = forecast_reorder_numbers(
        forecast=steady, lead_time_days=6, service_level=0.95, available=0, on_order=0
    )
    assert numbers.lead_time.expected == pytest.approx(72)
