"""The demo holds weeks of delivered orders, so its forecasts are real and the forecast-driven
reorder list has something to suggest (it used to forecast zero for every product)."""

import io

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User

from core.roles import Role
from forecasting.models import Forecast
from forecasting.selectors import reorder_suggestions_forecast
from orders.models import CustomerOrder
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_the_demo_forecasts_from_its_history_and_suggests_reorders(monkeypatch):
    monkeypatch.setattr("orders.demo.ORDERS_PER_WAREHOUSE", 6)
    monkeypatch.setattr("orders.demo.PAST_DELIVERED", 3)
    for role in (Role.PURCHASING, Role.APPROVER, Role.WAREHOUSE):
        make_user(role, username=role)
    out = io.StringIO()
    for app in ("inventory", "purchasing", "orders", "forecasting"):
        apps.get_app_config(app).seed_demo(stdout=out)

    history = CustomerOrder.objects.filter(external_ref__startswith="HIST-")
    assert history.count() > 2 * 56 * 20 and not history.exclude(status="delivered").exists()
    demand = Forecast.objects.filter(metric="demand")
    assert demand.count() > 100
    # Every product learned from weeks of history (a model chosen by backtest, not a zero).
    assert all("chosen by rolling-origin backtest" in f.reason for f in demand), out.getvalue()
    assert all(f.history_days >= 28 and sum(f.point[:7]) > 0 for f in demand)
    assert demand.filter(model_name__in=["auto_ets", "croston_sba", "tsb"]).count() > 20
    assert len(reorder_suggestions_forecast()) > 0
    volume = {f.metric: f for f in Forecast.objects.filter(product=None, warehouse__code="BER")}
    assert sum(volume["stops"].point[:7]) > 100 and sum(volume["parcels"].point[:7]) > 100

    # Loading the demo again adds no second history.
    before = history.count()
    apps.get_app_config("orders").seed_demo(stdout=out)
    assert CustomerOrder.objects.filter(external_ref__startswith="HIST-").count() == before
    assert Group.objects.filter(name=Role.PURCHASING).exists() and User.objects.count() == 3
