"""Screenshots of the pages the speed work changed, as each role that sees them, into
docs/screenshots/speed/: the KPI and forecast pages with their charts drawn by the deferred
script, the forecast page while "Recompute now" runs in the background and after a failed
recompute, and the board's "Insert into route…" dialog. Run explicitly; the file name keeps it
out of the test run:

    .venv/bin/python -m pytest tests/browser/screenshots_speed.py -s
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from forecasting.models import Forecast
from forecasting.services import RECOMPUTE_KEY
from tests.browser.test_crawl import _sign_in
from tests.dispatch.scenario import build_day
from tests.routing.test_insertion_services import new_order

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "speed"
DESKTOP = {"width": 1280, "height": 800}


def _shot(page, name: str) -> None:
    page.wait_for_timeout(400)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


def test_take_speed_screenshots(live_server, roles, eager_tasks, browser, monkeypatch):
    OUT.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr("orders.demo.ORDERS_PER_WAREHOUSE", 40)
    monkeypatch.setattr("orders.demo.PAST_DELIVERED", 6)
    monkeypatch.setattr("routing.demo.PLAN_TIME_LIMIT_S", 1)
    call_command("seed_demo", stdout=io.StringIO())
    url = live_server.url
    day = build_day(routes=2, stops=4, now_hour=15, delivered=3, prefix="K")
    kpis = f"/tracking/kpis/?date_from={day.day - timedelta(days=6)}&date_to={day.day}"
    forecast = Forecast.objects.select_related("product", "warehouse").order_by("-mase").first()
    path = f"/orders/forecasts/products/{forecast.product.sku}/?warehouse={forecast.warehouse.code}"
    context = browser.new_context(viewport=DESKTOP)

    def visit(role, name, target, *, charts=False):
        _sign_in(context, live_server, role)
        page = context.new_page()
        page.goto(f"{url}{target}")
        if charts:
            page.wait_for_function(
                "() => [...document.querySelectorAll('.plotly-graph-div')]"
                ".every(d => d.querySelector('.main-svg'))"
            )
        _shot(page, f"{name}-{role}")
        return page

    visit("dispatcher", "kpis", kpis, charts=True).close()
    for role in ("purchasing", "warehouse", "dispatcher", "approver"):
        visit(role, "forecast", path, charts=True).close()
    key = RECOMPUTE_KEY.format(forecast.product_id, forecast.warehouse_id)
    cache.set(key, {"status": "running", "detail": ""}, 60)
    for role in ("purchasing", "warehouse"):
        visit(role, "forecast-recomputing", path, charts=True).close()
    cache.set(key, {"status": "failed", "detail": "No deliveries to learn from."}, 60)
    visit("purchasing", "forecast-recompute-failed", path, charts=True).close()
    cache.delete(key)

    # The board's insertion dialog (checked route by route, ETAs on the options shown).
    live = build_day(routes=2, stops=4, started=0, now_hour=7.0, prefix="S")
    order = new_order(live, near=(1, 4.0))
    page = visit("dispatcher", "insert-page", f"/dispatch/orders/{order.reference}/insert/")
    page.close()
    context.close()
