"""Two recomputations of the same warehouse at once (a retried nightly task and a click on
"recompute") serialise on the warehouse row: both succeed and one row per series remains."""

import threading

import pytest
from django.db import connection

from forecasting.models import Forecast
from forecasting.services import forecast_product_refresh, forecast_warehouse_refresh

WEEK = [5, 8, 10, 12, 9, 3, 1]


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_warehouse_do_not_collide(fc_warehouse, widget, history):
    history(widget, WEEK * 3)
    errors, barrier = [], threading.Barrier(2)

    def run(fn):
        try:
            barrier.wait(timeout=10)
            fn()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run, args=(lambda: forecast_warehouse_refresh(warehouse=fc_warehouse),)
        ),
        threading.Thread(
            target=run,
            args=(lambda: forecast_product_refresh(product=widget, warehouse=fc_warehouse),),
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert Forecast.objects.filter(product=widget).count() == 1
    assert Forecast.objects.filter(warehouse=fc_warehouse, product__isnull=True).count() == 2
