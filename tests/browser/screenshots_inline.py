"""Screenshots of the pages the background work and the chart bundle changed, as each role that
sees them, into docs/screenshots/inline/: the KPI and forecast pages with plotly.js's full
bundle (before) and the basic one (after), with their page load times; the pick list while it
is recorded as picked, when that stopped, and done. Run explicitly; the file name keeps it out
of the test run:

    .venv/bin/python -m pytest tests/browser/screenshots_inline.py -s
"""

from __future__ import annotations

import contextlib
import io
import statistics
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from plotly.offline import get_plotlyjs

from core.charts import BUNDLE_STATIC_PATH
from core.exceptions import DomainError
from forecasting.models import Forecast
from orders.models import CustomerOrder, PickWave
from orders.services import order_confirm, pick_wave_create
from tests.browser.test_crawl import _sign_in
from tests.dispatch.scenario import build_day

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "inline"
DESKTOP = {"width": 1280, "height": 800}
BUNDLE_NAME = BUNDLE_STATIC_PATH.rsplit("/", 1)[1]


def _shot(page, name: str) -> None:
    page.wait_for_timeout(400)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


def _load(browser, live_server, role: str, path: str, *, full_bundle: bool) -> tuple[float, int]:
    """(ms until the load event and every chart drawn, chart script bytes) in a new browser
    context (nothing cached). `full_bundle` answers the chart script with the full plotly.js."""
    context = browser.new_context(viewport=DESKTOP)
    _sign_in(context, live_server, role)
    page = context.new_page()
    shipped = []
    if full_bundle:
        body = get_plotlyjs().encode()
        page.route(
            f"**/{BUNDLE_NAME}",
            lambda route: route.fulfill(body=body, content_type="text/javascript"),
        )
    page.on(
        "response",
        lambda r: shipped.append(len(r.body())) if BUNDLE_NAME in r.url else None,
    )
    page.goto(f"{live_server.url}{path}", wait_until="load")
    page.wait_for_selector(".plotly .main-svg")
    ms = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return Math.max(n.loadEventEnd, performance.now()) - n.startTime; }"
    )
    context.close()
    return ms, sum(shipped)


def test_take_inline_screenshots(
    live_server, roles, eager_tasks, browser, monkeypatch, settings, tmp_path
):
    OUT.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr("orders.demo.ORDERS_PER_WAREHOUSE", 60)
    monkeypatch.setattr("orders.demo.PAST_DELIVERED", 6)
    monkeypatch.setattr("routing.demo.PLAN_TIME_LIMIT_S", 1)
    settings.EMAIL_BACKEND = "core.sentmail.SentMailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    call_command("seed_demo", stdout=io.StringIO())
    url = live_server.url
    # A day with delivered stops for the KPI charts (the demo's history has no routes).
    day = build_day(routes=2, stops=4, now_hour=15, delivered=3, prefix="K")
    kpis = f"/tracking/kpis/?date_from={day.day - timedelta(days=6)}&date_to={day.day}"
    sku = Forecast.objects.order_by("-mase").first().product.sku
    forecast = f"/orders/forecasts/products/{sku}/"

    # Load times, before (full bundle) and after (basic bundle), each in a cold browser.
    for name, role, path in (("kpis", "dispatcher", kpis), ("forecast", "purchasing", forecast)):
        for full in (True, False):
            runs = [_load(browser, live_server, role, path, full_bundle=full) for _ in range(3)]
            label = "full bundle" if full else "basic bundle"
            print(
                f"{name:<9} {label:<13} {runs[0][1] / 1e6:5.2f} MB chart script, "
                f"page load median {statistics.median(r[0] for r in runs):6.0f} ms "
                f"(runs {', '.join(f'{r[0]:.0f}' for r in runs)})"
            )

    context = browser.new_context(viewport=DESKTOP)
    body = get_plotlyjs().encode()

    def visit(role, pages, *, before=False):
        _sign_in(context, live_server, role)
        page = context.new_page()
        if before:
            page.route(
                f"**/{BUNDLE_NAME}",
                lambda route: route.fulfill(body=body, content_type="text/javascript"),
            )
        for name, path in pages:
            page.goto(f"{url}{path}")
            if "kpis" in name or "forecast" in name:
                page.wait_for_selector(".plotly .main-svg")
            _shot(page, f"{name}-{'before' if before else 'after'}-{role}")
        page.close()

    visit("dispatcher", [("kpis", kpis), ("forecast", forecast)], before=True)
    visit("dispatcher", [("kpis", kpis), ("forecast", forecast)])
    for role in ("purchasing", "warehouse", "approver"):
        visit(role, [("forecast", forecast)])
    visit("purchasing", [("forecast", forecast)], before=True)

    # The pick list: open, being recorded (progress), stopped with the reason, done.
    warehouse = CustomerOrder.objects.filter(status="confirmed").first().warehouse
    for order in CustomerOrder.objects.filter(status="new", warehouse=warehouse)[:4]:
        with contextlib.suppress(DomainError):  # an order the demo's stock cannot cover
            order_confirm(order=order)
    wave = pick_wave_create(warehouse=warehouse)
    path = f"/orders/waves/{wave.reference}/"
    n = wave.orders.count()
    for role in ("warehouse", "dispatcher"):
        visit(role, [("wave-open", path)])
    PickWave.objects.filter(pk=wave.pk).update(
        status="picking", orders_to_pick=n, orders_picked=n // 2
    )
    visit("warehouse", [("wave-picking", path)])
    first = wave.orders.order_by("pk").first()
    PickWave.objects.filter(pk=wave.pk).update(
        status="open",
        error=f"{first.reference}: Not enough stock of the reserved lot at A-01-01",
    )
    visit("warehouse", [("wave-stopped", path)])
    PickWave.objects.filter(pk=wave.pk).update(status="open", error="")
    _sign_in(context, live_server, "warehouse")
    page = context.new_page()
    page.goto(f"{url}{path}")
    page.get_by_role("button", name="Record as picked").click()
    page.wait_for_load_state("load")
    page.wait_for_timeout(1500)  # the eager run finished: the progress card reloads the page
    page.goto(f"{url}{path}")
    _shot(page, "wave-done-warehouse")
    page.close()
    context.close()
    assert PickWave.objects.get(pk=wave.pk).status == "done"


def test_take_import_screenshots(live_server, login, eager_tasks, browser):
    """The CSV import pages: the upload form, then the run's page with the errors by row, and
    with the result (the run is eager here, so the waiting state passes too fast to show)."""
    from tests.factories import LocationFactory, ProductFactory, WarehouseFactory

    OUT.mkdir(parents=True, exist_ok=True)
    warehouse = WarehouseFactory(code="BER", name="Berlin", timezone="Europe/Berlin")
    LocationFactory(warehouse=warehouse, code="A-01", kind="storage")
    ProductFactory(sku="TEA-001", name="Green tea")
    orders_csv = (
        b"order_ref,warehouse,customer_name,address,latitude,longitude,window_start,"
        b"window_end,sku,quantity\n"
        b"A1,BER,Ann,Torstr. 1,52.5,13.4,2099-01-01 10:00,2099-01-01 12:00,TEA-001,2\n"
    )
    bad_orders = orders_csv + (
        b"A2,BER,Ben,Torstr. 2,52.5,13.4,2099-01-01 10:00,2099-01-01 12:00,NOPE,1\n"
    )
    context = browser.new_context(viewport=DESKTOP)

    def upload(path, name, content, kind=None):
        page = context.new_page()
        page.goto(f"{live_server.url}{path}")
        if kind:
            page.check(f"input[value={kind}]")
        page.set_input_files(
            "input[type=file]", files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
        )
        page.get_by_role("button", name="Import").click()
        page.wait_for_load_state("load")
        page.wait_for_timeout(1200)
        page.reload()
        return page

    login(context, role="dispatcher", username="dana")
    page = context.new_page()
    page.goto(f"{live_server.url}/orders/import/")
    _shot(page, "orders-import-dispatcher")
    _shot(upload("/orders/import/", "bad.csv", bad_orders), "orders-import-errors-dispatcher")
    _shot(upload("/orders/import/", "orders.csv", orders_csv), "orders-import-done-dispatcher")
    context.clear_cookies()
    for role, username in (("warehouse", "wim"), ("purchasing", "pia")):
        login(context, role=role, username=username)
        stock = f"warehouse,location,sku,quantity\nBER,A-01,TEA-001,{len(role)}\n".encode()
        _shot(
            upload("/inventory/import/", "stock.csv", stock, kind="stock"),
            f"inventory-import-done-{role}",
        )
        bad = b"warehouse,location,sku,quantity\nXXX,A-01,TEA-001,5\n"
        _shot(
            upload("/inventory/import/", "bad.csv", bad, kind="stock"),
            f"inventory-import-errors-{role}",
        )
        context.clear_cookies()
    context.close()
