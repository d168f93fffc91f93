"""The nightly beat task: one task per active warehouse in a chord."""

from django.conf import settings

from forecasting.models import Forecast
from forecasting.tasks import forecast_warehouse_task, forecasts_nightly
from tests.factories import WarehouseFactory

WEEK = [5, 8, 10, 12, 9, 3, 1]


def test_nightly_task_is_scheduled_on_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["forecasts-nightly"]
    assert entry["task"] == "orders.tasks.forecasts_nightly"
    assert entry["schedule"].hour == {settings.FORECAST_NIGHTLY_HOUR}


def test_nightly_run_forecasts_every_active_warehouse(fc_warehouse, widget, history):
    second = WarehouseFactory(code="FC2")
    WarehouseFactory(code="FCOFF", is_active=False)
    history(widget, WEEK * 4)
    history(widget, WEEK * 4, warehouse=second)
    assert forecasts_nightly.delay().get() == 2
    assert Forecast.objects.filter(product=widget).count() == 2
    assert set(Forecast.objects.values_list("warehouse__code", flat=True)) == {"FCW", "FC2"}


def test_warehouse_task_is_safe_to_run_twice_and_skips_unknown_ids(fc_warehouse, widget, history):
    history(widget, WEEK * 4)
    first = forecast_warehouse_task.delay(fc_warehouse.pk).get()
    second = forecast_warehouse_task.delay(fc_warehouse.pk).get()
    assert first["series"] == second["series"] == 3
    assert Forecast.objects.filter(warehouse=fc_warehouse).count() == 3
    assert forecast_warehouse_task.delay(999999).get()["skipped"] is True


def test_demo_seeding_forecasts_each_warehouse_and_is_idempotent(fc_warehouse, widget, history):
    import io

    from django.apps import apps

    config = apps.get_app_config("forecasting")
    history(widget, WEEK * 4)
    out = io.StringIO()
    config.seed_demo(stdout=out)
    config.seed_demo(stdout=out)
    assert Forecast.objects.filter(warehouse=fc_warehouse).count() == 3
    assert "forecasts: FCW 3 series" in out.getvalue()
    assert config.nav_items[0].url_name == "forecasting:forecast-list"
