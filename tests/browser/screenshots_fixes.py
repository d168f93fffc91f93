"""Screenshots of the pages the new-user fixes touched (late risk, links per role, expired stock,
prices, dates, pagination, proof of delivery, wording, forecasts, the partner portal login), as
each role that sees them, into docs/screenshots/fixes-*.png. Run explicitly; the file name
keeps it out of the test run:

    .venv/bin/python -m pytest tests/browser/screenshots_fixes.py
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from inventory.models import Stock
from orders.models import CustomerOrder
from purchasing.models import PurchaseOrder
from routing.models import Plan
from tests.browser.test_crawl import _sign_in
from tests.dispatch.scenario import build_day
from tests.dispatch.scene import make_live, narrow_window
from tracking import services as tracking
from tracking.models import DeliveryInstruction

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
LISTS = {"stock", "orders", "purchase-orders", "forecasts", "plan", "history-report"}


def _png(width: int, height: int, colour) -> bytes:
    """A small RGB PNG drawn by `colour(x, y) -> (r, g, b)` (no imaging library needed)."""
    raw = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in colour(x, y)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _door(x, y):
    if 70 <= x <= 170 and 20 <= y <= 150:
        return (40, 70, 140) if not (150 <= x <= 158 and 80 <= y <= 90) else (230, 200, 60)
    return (205, 200, 190) if y < 150 else (120, 110, 100)


def _signature(x, y):
    line = 60 + 25 * math.sin(x / 14) * math.cos(x / 37)
    return (20, 30, 80) if abs(y - line) < 2 else (255, 255, 255)


def _shot(page, name: str, *, full_page: bool = True) -> None:
    page.wait_for_timeout(400)
    page.screenshot(path=str(OUT / f"fixes-{name}.png"), full_page=full_page)


def test_take_live_day_screenshots(live_server, login, browser, settings, tmp_path):
    """Late risk on the dashboard, board and Deliveries (one number); the order page with the
    customer's instructions and the proof of delivery, as dispatcher and warehouse."""
    OUT.mkdir(parents=True, exist_ok=True)
    settings.MEDIA_ROOT = tmp_path
    day = build_day(routes=3, stops=6, now_hour=11.5, delivered=2)
    for k, j in ((0, 4), (1, 5), (2, 3)):
        narrow_window(day, day.stops[k][j], day.at(9), day.now)
    make_live(day)
    stop = day.stops[0][2]
    # Added on the tracking page before the driver set off.
    DeliveryInstruction.objects.create(
        order=stop.order, text="Gate code 4711; leave it behind the blue door"
    )
    tracking.stop_deliver(
        stop=stop,
        recipient_name="Anna Müller",
        photo=SimpleUploadedFile("door.png", _png(240, 170, _door), content_type="image/png"),
        signature=SimpleUploadedFile("sig.png", _png(300, 120, _signature)),
        latitude=52.52,
        longitude=13.40,
        at=day.now - timedelta(minutes=20),
    )
    url = live_server.url
    context = browser.new_context(viewport=DESKTOP)
    login(context, role="dispatcher", username="dana")
    page = context.new_page()
    page.goto(f"{url}/")
    _shot(page, "dashboard-dispatcher", full_page=False)
    page.goto(f"{url}/dispatch/")
    page.wait_for_selector(".route-card")
    _shot(page, "board-dispatcher", full_page=False)
    page.goto(f"{url}/tracking/")
    _shot(page, "deliveries-dispatcher")
    page.goto(f"{url}/orders/{stop.order.reference}/")
    _shot(page, "order-delivered-dispatcher")
    page.goto(f"{url}/tracking/kpis/?date_from={day.day}&date_to={day.day}")
    page.wait_for_selector(".plotly")
    _shot(page, "kpis-one-day-dispatcher")
    page.close()
    context.clear_cookies()
    login(context, role="warehouse", username="wim")
    page = context.new_page()
    page.goto(f"{url}/orders/{stop.order.reference}/")
    _shot(page, "order-delivered-warehouse")
    context.close()


def test_take_demo_screenshots(
    live_server, roles, eager_tasks, browser, monkeypatch, settings, tmp_path
):
    """The demo data as each role sees the pages the fixes changed."""
    OUT.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr("orders.demo.ORDERS_PER_WAREHOUSE", 60)
    monkeypatch.setattr("orders.demo.PAST_DELIVERED", 6)
    monkeypatch.setattr("routing.demo.PLAN_TIME_LIMIT_S", 1)
    settings.EMAIL_BACKEND = "core.sentmail.SentMailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    call_command("seed_demo", stdout=io.StringIO())
    url = live_server.url
    today = timezone.localdate()
    expired = (
        Stock.objects.filter(on_hand__gt=0, lot__expires_at__lt=today)
        .select_related("product")
        .first()
    )
    sku = expired.product.sku if expired else Stock.objects.first().product.sku
    po = PurchaseOrder.objects.filter(status="sent").first()
    submitted = PurchaseOrder.objects.filter(status="submitted").first()
    order = CustomerOrder.objects.filter(status="new", external_ref__startswith="DEMO-").first()
    plan = Plan.objects.order_by("reference").first()
    context = browser.new_context(viewport=DESKTOP)

    def visit(role, pages):
        _sign_in(context, live_server, role)
        page = context.new_page()
        for name, path in pages:
            page.goto(f"{url}{path}")
            # Long lists: the first screen says what changed.
            _shot(page, f"{name}-{role}", full_page=name not in LISTS)
        page.close()

    visit("warehouse", [
        ("stock", "/inventory/?q=&is_active=true"),
        ("product", f"/inventory/products/{sku}/"),
        ("stock-report", f"/inventory/reports/stock/?product={sku}"),
        ("history-report", f"/inventory/reports/history/?product={sku}"),
        ("purchase-orders", "/orders/purchasing/"),
        ("purchase-order", f"/orders/purchasing/{po.reference}/"),
        ("orders", "/orders/"),
        ("order-new", f"/orders/{order.reference}/"),
    ])  # fmt: skip
    visit("dispatcher", [
        ("stock", "/inventory/"),
        ("product", f"/inventory/products/{sku}/"),
        ("orders", "/orders/"),
        ("order-new", f"/orders/{order.reference}/"),
        ("kpis", "/tracking/kpis/"),
        ("plan", f"/routing/plans/{plan.reference}/"),
        ("forecast", f"/orders/forecasts/products/{sku}/"),
    ])  # fmt: skip
    visit("purchasing", [
        ("supplier", "/orders/purchasing/suppliers/SUP-BULK/"),
        ("purchase-order-new", "/orders/purchasing/new/"),
        ("stock", "/inventory/"),
        ("forecasts", "/orders/forecasts/"),
        ("forecast", f"/orders/forecasts/products/{sku}/"),
        ("forecast-reorder", "/orders/forecasts/reorder/"),
    ])  # fmt: skip
    visit("approver", [
        ("purchase-orders", "/orders/purchasing/"),
        ("purchase-order", f"/orders/purchasing/{submitted.reference}/"),
    ])  # fmt: skip

    # The import page lists errors by row and column.
    _sign_in(context, live_server, "dispatcher")
    page = context.new_page()
    page.goto(f"{url}/orders/import/")
    page.set_input_files(
        "input[type=file]",
        files=[{
            "name": "orders.csv",
            "mimeType": "text/csv",
            "buffer": (
                b"order_ref,warehouse,customer_name,address,window_start,window_end,sku,quantity\n"
                b"A1,BER,Ann,Torstr. 1,2099-01-01 10:00,2099-01-01 12:00,NOPE,1\n"
                b"A2,BER,Ben,Torstr. 2,2099-01-01 10:00,2099-01-01 12:00," + sku.encode() + b",0\n"
            ),
        }],
    )  # fmt: skip
    page.get_by_role("button", name="Import").click()
    page.wait_for_selector("text=problems")
    _shot(page, "order-import-errors-dispatcher")
    page.close()

    _sign_in(context, live_server, "partner")
    page = context.new_page()
    page.goto(f"{url}/")
    _shot(page, "portal-partner")
    context.close()
