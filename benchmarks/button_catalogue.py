"""The staff buttons benchmarks/buttons.py clicks, in an order where one button's result is the
next one's target (a plan is created, optimised, then published), and the form reader.

Each button names the role that has it and finds its targets in the demo data as a user would
meet them (orders in the state the button applies to); the form is read from the page, so a
click sends what the browser would."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    htmx: bool
    fields: list[tuple[str, str]] = field(default_factory=list)
    selects: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)

    def values(self) -> dict:
        data: dict[str, list[str]] = {}
        for name, value in self.fields:
            data.setdefault(name, []).append(value)
        for name, options in self.selects.items():
            chosen = [v for v, selected in options if selected] or [v for v, _ in options[:1]]
            data[name] = chosen
        return data


class Forms(HTMLParser):
    """The POST forms of a page (and htmx `hx-post` buttons outside forms) with the values the
    browser would send: hidden fields, text defaults, checked boxes, selected options."""

    def __init__(self, page: str):
        super().__init__()
        self.page, self.forms, self.current = page, [], None
        self.select, self.textarea = None, None

    @classmethod
    def find(cls, html: str, page: str, matcher: str) -> Form | None:
        parser = cls(page)
        parser.feed(html)
        for form in parser.forms:
            here = form.action.split("?")[0] == page.split("?")[0]
            if (matcher == "" and here) or (matcher and matcher in form.action):
                return form
        return None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method", "").lower() == "post" or "hx-post" in a):
            # No action: the browser posts to the page's own URL, query string included.
            action = a.get("hx-post") or a.get("action") or self.page
            self.current = Form(action=action, htmx="hx-post" in a)
            self.forms.append(self.current)
        elif tag == "button" and "hx-post" in a and self.current is None:
            self.forms.append(Form(action=a["hx-post"], htmx=True))
        elif self.current is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self.current.fields.append(
                    (a["name"], a.get("value") or ("on" if kind == "checkbox" else ""))
                )
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
            self.current.selects[self.select] = []
        elif tag == "option" and self.select:
            self.current.selects[self.select].append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self.textarea = a["name"]
            self.current.fields.append((self.textarea, ""))

    def handle_data(self, data):
        if self.textarea and self.current:
            name, value = self.current.fields[-1]
            self.current.fields[-1] = (name, value + data.strip())

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


@dataclass
class Click:
    page: str  # where the button is (opened first, not timed)
    form: str  # a part of the form's action ("" = the form posting to the page itself)
    fields: dict = field(default_factory=dict)
    htmx: bool = False
    page_headers: dict = field(default_factory=dict)
    target: object = None


@dataclass
class Button:
    role: str
    name: str
    label: str
    find: Callable[[object, int], Iterator[Click]]
    wait: Callable[[Click], None] | None = None
    missing: str = "nothing in the demo data to click it on"

    def targets(self, *, user, repeat: int) -> list[Click]:
        return list(self.find(user, repeat))


HX = {"HX-Request": "true"}


def _today():
    from django.utils import timezone

    return timezone.localdate()


def demo_is_today() -> bool:
    from routing.models import Plan

    return Plan.objects.filter(date=_today(), status="published").exists()


def _orders(status: str, n: int, **filters):
    from orders.models import CustomerOrder

    qs = CustomerOrder.objects.filter(status=status, shipments__isnull=True, **filters)
    return list(qs.order_by("-id")[:n])


def order_action(action: str, status: str, fields=None):
    def find(user, n):
        for order in _orders(status, n):
            yield Click(f"/orders/{order.reference}/", f"/{action}/", fields or {}, target=order)

    return find


def po_action(action: str, status: str, fields=None):
    def find(user, n):
        from purchasing.models import PurchaseOrder

        for po in PurchaseOrder.objects.filter(status=status).order_by("-id")[:n]:
            yield Click(f"/orders/purchasing/{po.reference}/", f"/{action}/", fields or {})

    return find


def po_receive(user, n):
    from purchasing.models import PurchaseOrder

    for po in PurchaseOrder.objects.filter(status__in=["sent", "confirmed"]).order_by("-id")[:n]:
        yield Click(f"/orders/purchasing/{po.reference}/receive/", "")


def plan_create(user, n):
    """A plan for tomorrow at the first depot (today's shifts booked again for the week first,
    as the demo does, when the demo predates that: not timed)."""
    import io

    from inventory.models import Warehouse
    from routing.demo_extras import seed_week_shifts
    from routing.models import Shift

    today = _today()
    seed_week_shifts(
        shifts=list(Shift.objects.filter(date=today)), today=today, stdout=io.StringIO()
    )
    day = today + dt.timedelta(days=1)
    depot = Warehouse.objects.order_by("code").first()
    yield Click(f"/routing/plans/new/?date={day.isoformat()}&depot={depot.pk}", "")


def _latest_plan(status: str):
    from routing.models import Plan

    return Plan.objects.filter(status=status).order_by("-id").first()


def plan_action(action: str, status: str, fields=None):
    def find(user, n):
        plan = _latest_plan(status)
        if plan is not None:
            yield Click(
                f"/routing/plans/{plan.reference}/", f"/{action}/", fields or {}, target=plan
            )

    return find


def wait_for_jobs(click: Click) -> None:
    from routing.models import OptimizationJob

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if not OptimizationJob.objects.filter(status__in=["queued", "running"]).exists():
            return
        time.sleep(0.5)


def reoptimize(user, n):
    from routing.models import Plan

    plan = Plan.objects.filter(date=_today(), status="published").order_by("id").first()
    if plan is not None:
        page = f"/dispatch/plans/{plan.reference}/reoptimize/"
        yield Click(page, "/reoptimize/", htmx=True, page_headers=HX)


def _insertable(n: int):
    from routing.services.insertion import live_routes

    day = _today()
    depots = set(live_routes(day=day).values_list("plan__depots", flat=True))
    found = []
    for order in _orders("packed", 50, warehouse__in=depots, latitude__isnull=False):
        if not order.route_stops.filter(plan__date=day).exists():
            found.append(order)
        if len(found) == n:
            break
    return found


def insert_preview(user, n):
    for order in _insertable(n):
        yield Click(f"/dispatch/orders/{order.reference}/insert/", "GET", htmx=True)


def insert(user, n):
    for order in _insertable(n):
        yield Click(f"/dispatch/orders/{order.reference}/insert/", "/insert/", htmx=True)


def _live_stops(n: int):
    from routing.models import Stop

    qs = Stop.objects.filter(plan__date=_today(), status="planned", ret__isnull=True)
    return list(qs.order_by("route_id", "sequence")[:n])


def move_preview(user, n):
    for stop in _live_stops(n):
        yield Click(f"/dispatch/stops/{stop.pk}/move/", "/move/", page_headers=HX, htmx=True)


def move(user, n):
    for stop in _live_stops(n):
        page = f"/dispatch/stops/{stop.pk}/move/"
        yield Click(page, "/move/", {"preview": ""}, page_headers=HX, htmx=True)


def stop_message(user, n):
    for stop in _live_stops(n):
        page = f"/dispatch/stops/{stop.pk}/"
        yield Click(page, "/message/", page_headers=HX, htmx=True)


def insert_all(user, n):
    yield Click(f"/dispatch/insert-all/?day={_today().isoformat()}", "/insert-all/",
                page_headers=HX, htmx=True)  # fmt: skip


def forecast_recompute(user, n):
    from inventory.models import Product

    product = Product.objects.order_by("sku").first()
    page = f"/orders/forecasts/products/{product.sku}/?warehouse=BER"
    yield Click(page, "recompute", {"warehouse": "BER"})


def wave_create(user, n):
    """A wave of the confirmed orders at the first depot (a few new ones confirmed first when
    the buttons before took them all: not timed)."""
    from orders.services import order_confirm

    if not _orders("confirmed", 1):
        for order in _orders("new", 5):
            order_confirm(order=order, user=user)
    confirmed = _orders("confirmed", 1)
    if confirmed:
        yield Click("/orders/waves/", "", {"warehouse": str(confirmed[0].warehouse_id)})


def wave_start(user, n):
    from orders.models import PickWave

    for wave in PickWave.objects.filter(status="open").order_by("-id")[:n]:
        yield Click(f"/orders/waves/{wave.reference}/", "")


def wait_for_waves(click: Click) -> None:
    from orders.models import PickWave

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and PickWave.objects.filter(status="picking").exists():
        time.sleep(0.5)


def reorder(user, n):
    yield Click("/orders/purchasing/reorder/", "")


BUTTONS = [
    Button("dispatcher", "order-confirm", "Confirm (order page)", order_action("confirm", "new")),
    Button("warehouse", "order-pick", "Picked (order page)", order_action("pick", "confirmed")),
    Button("warehouse", "order-pack", "Packed (order page)", order_action("pack", "picked")),
    Button("warehouse", "wave-create", "Create pick wave", wave_create),
    Button("warehouse", "wave-start", "Record as picked (wave)", wave_start, wait_for_waves),
    Button("purchasing", "po-submit", "Submit for approval", po_action("submit", "draft")),
    Button(
        "approver", "po-approve", "Approve", po_action("approve", "submitted", {"comment": "ok"})
    ),
    Button("purchasing", "po-send", "Mark as sent", po_action("send", "approved")),
    Button("warehouse", "po-receive", "Receive (purchase order)", po_receive),
    Button("purchasing", "reorder-create", "Create purchase orders (reorder)", reorder),
    Button("purchasing", "forecast-recompute", "Recompute forecast", forecast_recompute),
    Button("dispatcher", "insert-preview", "Insert into route… (preview)", insert_preview),
    Button("dispatcher", "insert", "Insert (from the preview)", insert),
    Button("dispatcher", "move-preview", "Move stop: check", move_preview),
    Button("dispatcher", "move", "Move stop", move),
    Button("dispatcher", "stop-message", "Send the customer the new ETA", stop_message),
    Button("dispatcher", "plan-create", "Create plan", plan_create),
    Button(
        "dispatcher", "plan-optimize", "Optimise", plan_action("optimize", "draft"), wait_for_jobs
    ),
    Button("dispatcher", "plan-publish", "Publish", plan_action("publish", "ready")),
    Button(
        "dispatcher", "reoptimize", "Re-optimise the rest of the day", reoptimize, wait_for_jobs
    ),
    Button("dispatcher", "insert-all", "Insert all unassigned", insert_all),
]
