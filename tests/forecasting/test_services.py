"""Building series from the database and storing forecasts: odd data never crashes, every row
says why, reruns are idempotent, and shipments are counted once."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import numpy as np
import pytest

from forecasting.models import Forecast
from forecasting.selectors.history import demand_series, history_end
from forecasting.services import forecast_product_refresh, forecast_warehouse_refresh
from inventory.models import StockMove
from inventory.selectors.stock import warehouse_today
from inventory.services import stock_receive, stock_return
from tests.factories import LocationFactory, ProductFactory, WarehouseFactory

WEEK = [5, 8, 10, 12, 9, 3, 1]


@pytest.fixture
def shelf(fc_warehouse):
    return LocationFactory(warehouse=fc_warehouse, code="A-01-01", kind="storage")


def test_delivered_lines_become_a_daily_series_with_zero_days_filled(fc_warehouse, widget, history):
    history(widget, [3, 0, 0, 5, 0, 2])
    series = demand_series(warehouse=fc_warehouse, end=history_end(fc_warehouse))[widget.pk]
    assert list(series.values) == [3, 0, 0, 5, 0, 2]
    assert series.start == history_end(fc_warehouse) - timedelta(days=5)


def test_returns_are_netted_and_a_day_with_more_returns_than_sales_is_reported(
    fc_warehouse, widget, history, shelf
):
    orders = history(widget, WEEK * 8)
    row = stock_return(product=widget, location=shelf, quantity=1, condition="good")
    # a return booked on the last history day, larger than that day's sales (1)
    StockMove.objects.create(
        kind=StockMove.Kind.RETURN,
        product=widget,
        to_stock=row,
        quantity=6,
        reference="RMA-1",
        created_at=orders[-1].delivered_at,
    )
    series = demand_series(warehouse=fc_warehouse, end=history_end(fc_warehouse))[widget.pk]
    assert series.values[-1] == 1 - 6
    forecast_warehouse_refresh(warehouse=fc_warehouse)
    forecast = Forecast.objects.get(product=widget)
    assert "Returns exceeded sales on 1 day;" in forecast.reason
    assert min(forecast.lo95) >= 0


def test_ship_moves_and_their_delivered_lines_are_counted_once(fc_warehouse, widget, history):
    orders = history(widget, [4])
    line = orders[0].lines.get()
    row = stock_receive(
        product=widget,
        location=LocationFactory(warehouse=fc_warehouse, code="A-01-02"),
        quantity=10,
    )
    StockMove.objects.create(
        kind=StockMove.Kind.SHIP,
        product=widget,
        from_stock=row,
        quantity=4,
        reference=line.demand_ref,
        created_at=orders[0].delivered_at,
    )
    series = demand_series(warehouse=fc_warehouse, end=history_end(fc_warehouse))[widget.pk]
    assert list(series.values) == [4]


def test_a_delivery_recorded_later_counts_on_its_day_and_a_recompute_uses_it(
    fc_warehouse, widget, shelf
):
    """The demo's past deliveries (and a driver's late upload) are recorded today with the day
    they happened: the ledger books the shipment today, the history counts the delivery day."""
    from orders import services as orders

    LocationFactory(warehouse=fc_warehouse, code="D-01", kind="dispatch")
    stock_receive(product=widget, location=shelf, quantity=50)
    yesterday = history_end(fc_warehouse)
    noon = datetime.combine(yesterday, time(12), tzinfo=fc_warehouse.tzinfo)
    for quantity in (3, 4):
        order = orders.order_create(
            warehouse=fc_warehouse, address="Torstraße 1", latitude=Decimal("52.5"),
            longitude=Decimal("13.4"), window_start=noon - timedelta(hours=2), window_end=noon,
            customer_name="Clara", lines=[{"product": widget, "quantity": quantity}],
            now=noon - timedelta(days=1),
        )  # fmt: skip
        for step in (orders.order_confirm, orders.order_pick, orders.order_pack,
                     orders.order_plan, orders.order_out_for_delivery):  # fmt: skip
            order = step(order=order)
        orders.order_deliver(order=order, at=noon - timedelta(minutes=30))
    forecast = forecast_product_refresh(product=widget, warehouse=fc_warehouse)
    assert forecast.history_total == 7 and forecast.model_name != "zero"
    assert sum(forecast.point) > 0 and "No demand history" not in forecast.reason


def test_a_warehouse_without_orders_gets_zero_forecasts_with_the_reason(fc_warehouse, shelf):
    stocked = ProductFactory(sku="FC-STOCKED")
    stock_receive(product=stocked, location=shelf, quantity=5)
    forecast_warehouse_refresh(warehouse=fc_warehouse)
    rows = {(f.metric, f.product_id): f for f in Forecast.objects.filter(warehouse=fc_warehouse)}
    assert set(rows) == {("demand", stocked.pk), ("stops", None), ("parcels", None)}
    for forecast in rows.values():
        assert forecast.model_name == "zero"
        assert sum(forecast.point) == 0
        assert "No demand history" in forecast.reason


def test_a_single_sale_and_a_long_history_both_get_stored_forecasts(fc_warehouse, widget, history):
    once = ProductFactory(sku="FC-ONCE")
    history(once, [7])
    rng = np.random.default_rng(0)
    history(widget, list(rng.poisson(np.tile(WEEK, 12) * 2)))
    forecast_warehouse_refresh(warehouse=fc_warehouse)
    single = Forecast.objects.get(product=once)
    assert single.model_name == "mean" and single.point[0] == pytest.approx(7)
    regular = Forecast.objects.get(product=widget)
    assert regular.model_name in {"auto_ets", "auto_theta", "seasonal_naive", "croston_sba"}
    assert regular.mase is not None and regular.bias is not None
    assert len(regular.point) == len(regular.hi95) == 28
    assert regular.start_date == warehouse_today(fc_warehouse)
    assert regular.history_days == 84
    assert "rolling-origin backtest" in regular.reason


def test_refresh_twice_replaces_rows_instead_of_adding_them(fc_warehouse, widget, history):
    history(widget, WEEK * 3)
    forecast_warehouse_refresh(warehouse=fc_warehouse)
    first = Forecast.objects.get(product=widget).computed_at
    forecast_warehouse_refresh(warehouse=fc_warehouse)
    assert Forecast.objects.filter(warehouse=fc_warehouse).count() == 3
    assert Forecast.objects.get(product=widget).computed_at > first


def test_recomputing_one_product_leaves_the_others_alone(fc_warehouse, widget, history):
    other = ProductFactory(sku="FC-OTHER")
    history(widget, WEEK * 3)
    history(other, WEEK * 3)
    forecast_warehouse_refresh(warehouse=fc_warehouse)
    before = Forecast.objects.get(product=other).computed_at
    forecast = forecast_product_refresh(product=widget, warehouse=fc_warehouse)
    assert forecast.product == widget
    assert Forecast.objects.get(product=other).computed_at == before
    assert Forecast.objects.filter(warehouse=fc_warehouse, metric="stops").exists()


def test_history_of_another_warehouse_is_not_mixed_in(fc_warehouse, widget, history):
    elsewhere = WarehouseFactory(code="FCX")
    history(widget, [9, 9, 9], warehouse=elsewhere)
    history(widget, [1, 1, 1])
    series = demand_series(warehouse=fc_warehouse, end=history_end(fc_warehouse))[widget.pk]
    assert list(series.values) == [1, 1, 1]


def test_order_volume_is_forecast_per_day(fc_warehouse, volume):
    volume([3, 5, 6, 7, 6, 2, 0] * 8)
    forecast_warehouse_refresh(warehouse=fc_warehouse)
    stops = Forecast.objects.get(warehouse=fc_warehouse, metric="stops")
    parcels = Forecast.objects.get(warehouse=fc_warehouse, metric="parcels")
    assert stops.history_total == 29 * 8 and parcels.history_total == 29 * 8
    assert 20 < sum(stops.point[:7]) < 40
