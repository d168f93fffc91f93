"""The crawl: each demo login (the six roles and the partner portal's), signed in on a live
server holding the demo data, follows every link the navigation and the pages it reaches show
(tests/browser/crawl.py) and every one must work: no 403 behind a shown link or button, no 404,
no server error, no console or htmx error, at most a second of server time. All failures of all
roles are reported at once."""

from __future__ import annotations

import io
import time

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from tests.browser.crawl import crawl

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

# The six staff roles' demo logins and the partner portal's.
ROLES = ["dispatcher", "warehouse", "purchasing", "approver", "driver", "admin", "partner"]
PAGES_PER_ROLE = 110  # every page each demo role reaches (the admin reaches about 100)
SERVER_BUDGET_MS = 1000


@pytest.fixture
def demo_data(roles, eager_tasks, monkeypatch, settings, tmp_path):
    """`manage.py seed_demo` as `make run` loads it, with fewer orders per warehouse and a
    shorter optimiser limit so it loads in seconds instead of two minutes."""
    monkeypatch.setattr("orders.demo.ORDERS_PER_WAREHOUSE", 16)
    monkeypatch.setattr("orders.demo.PAST_DELIVERED", 8)
    monkeypatch.setattr("routing.demo.PLAN_TIME_LIMIT_S", 1)
    # Mail is kept as in development, so the /mail/ pages have something to show.
    settings.EMAIL_BACKEND = "core.sentmail.SentMailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    started = time.monotonic()
    call_command("seed_demo", stdout=io.StringIO())
    return time.monotonic() - started


def _sign_in(context, live_server, username):
    """Swap the context's session for `username`'s (one context for all roles keeps the
    browser's cache of scripts and styles, as one person's browser would)."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.clear_cookies()
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _customer_orders():
    from orders.models import CustomerOrder, OrderStatus

    demo = CustomerOrder.objects.filter(external_ref__startswith="DEMO-").order_by("pk")
    for label, status in (("planned", OrderStatus.PLANNED), ("delivered", OrderStatus.DELIVERED)):
        order = demo.filter(status=status).first()
        assert order is not None, f"the demo data has no {label} order"
        yield label, order


def test_every_link_each_role_is_shown_works(live_server, demo_data, browser):
    report, failures = [], []
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    for role in ROLES:
        _sign_in(context, live_server, role)
        result = crawl(context, live_server.url, cap=PAGES_PER_ROLE, budget_ms=SERVER_BUDGET_MS)
        slowest = max(result.visits, key=lambda v: v.server_ms or 0)
        report.append(
            f"{role}: {len(result.visits)} pages in {result.wall_s:.0f} s"
            f"{f', {result.skipped_over_cap} left over the cap' if result.skipped_over_cap else ''}"
            f", slowest {slowest.url} {slowest.server_ms or 0:.0f} ms"
        )
        failures += [f"[{role}] {f}" for f in result.failures]
    context.close()
    # Customers have no login: their pages are the tracking links the e-mails carry, one for
    # an order on today's routes and one already delivered (rating, return request).
    for label, order in _customer_orders():
        context = browser.new_context(viewport={"width": 390, "height": 844})
        result = crawl(
            context,
            live_server.url,
            cap=10,
            budget_ms=SERVER_BUDGET_MS,
            start=f"/t/{order.tracking_token}/",
        )
        report.append(f"customer ({label}): {len(result.visits)} pages")
        failures += [f"[customer {label}] {f}" for f in result.failures]
        context.close()
    print(f"demo data in {demo_data:.0f} s\n" + "\n".join(report))
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)
