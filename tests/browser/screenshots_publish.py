"""Screenshots of "Publish to drivers" running in the background, on the plan page, into
docs/screenshots/speed/: the plan ready to publish, the publication under way (stops planned so
far, the page polling) and a publication that failed (why, and the button back). Run
explicitly; the file name keeps it out of the test run:

    .venv/bin/python -m pytest tests/browser/screenshots_publish.py -s
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from inventory.models import Warehouse
from routing import services
from routing.demo import demo_orders_packed
from routing.selectors import available_shifts
from routing.services.publication import PUBLISH_KEY
from tests.browser.test_crawl import _sign_in

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "speed"
DESKTOP = {"width": 1280, "height": 800}


def test_take_publish_screenshots(live_server, roles, eager_tasks, browser, monkeypatch):
    OUT.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr("orders.demo.ORDERS_PER_WAREHOUSE", 40)
    monkeypatch.setattr("orders.demo.PAST_DELIVERED", 6)
    monkeypatch.setattr("routing.demo.PLAN_TIME_LIMIT_S", 1)
    call_command("seed_demo", stdout=io.StringIO())
    # Tomorrow at BER, prepared as a dispatcher would: packed orders, the booked shifts, a plan
    # optimised (in this process).
    dispatcher = User.objects.get(username="dispatcher")
    depot = Warehouse.objects.get(code="BER")
    day = timezone.localdate() + timedelta(days=1)
    orders = demo_orders_packed({depot.code: depot}, day)
    plan = services.plan_create(
        date=day,
        depots=[depot],
        orders=orders,
        shifts=list(available_shifts(date=day, depots=[depot])),
        user=dispatcher,
        time_limit_s=2,
    )
    job = services.plan_optimize(plan=plan, user=dispatcher, enqueue=False)
    services.job_execute(job_id=job.pk)
    stops = plan.stops.count()
    assert stops, "the plan got no routes"

    context = browser.new_context(viewport=DESKTOP)
    _sign_in(context, live_server, "dispatcher")

    def shot(name: str) -> None:
        page = context.new_page()
        page.goto(f"{live_server.url}/routing/plans/{plan.reference}/")
        page.wait_for_timeout(600)
        page.screenshot(path=str(OUT / f"{name}-dispatcher.png"), full_page=False)
        page.close()

    shot("plan-ready")
    key = PUBLISH_KEY.format(plan.pk)
    cache.set(key, {"status": "running", "done": 20, "total": stops, "detail": ""}, 60)
    shot("plan-publishing")
    first = plan.stops.order_by("route__sequence", "sequence").first().order.reference
    detail = f"Orders must be packed before the plan is published: {first}."
    cache.set(key, {"status": "failed", "done": 0, "total": stops, "detail": detail}, 60)
    shot("plan-publish-failed")
    cache.delete(key)
    context.close()
