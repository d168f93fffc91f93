"""The staff buttons benchmarks/buttons.py clicks, in an order where one button's result is the
next one's target (plans for the next days are created, optimised, edited, then published),
and the form reader.

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


# Plans this run created (ids above the highest before "Create plan"): Optimise and Publish
# click those, never a plan of the demo's.
_PLANS_AFTER = {"id": None}


def plan_create(user, n):
    """A plan for each of the next `n` days at the first depot, the way a dispatcher prepares a
    day to publish (not timed): the week's shifts booked (as the demo does, when it predates
    that) and, when the day has no packed orders, the demo's order set for that day created,
    confirmed, picked and packed through the orders services. The form is filtered to packed
    orders, since Publish refuses a plan with an order not packed yet."""
    import io

    from inventory.models import Warehouse
    from routing.demo import demo_orders_packed
    from routing.demo_extras import seed_week_shifts
    from routing.models import Plan, Shift
    from routing.selectors import plannable_orders

    today = _today()
    seed_week_shifts(
        shifts=list(Shift.objects.filter(date=today)), today=today, stdout=io.StringIO()
    )
    _PLANS_AFTER["id"] = Plan.objects.order_by("-id").values_list("id", flat=True).first() or 0
    depot = Warehouse.objects.order_by("code").first()
    for ahead in range(1, n + 1):
        day = today + dt.timedelta(days=ahead)
        # Today's packed leftovers may touch the day too; it needs orders due on that day.
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=depot.tzinfo)
        due = plannable_orders(date=day, depots=[depot], status="packed").filter(
            window_start__gte=midnight, window_start__lt=midnight + dt.timedelta(days=1)
        )
        if not due.exists():
            demo_orders_packed({depot.code: depot}, day)
        query = f"date={day.isoformat()}&depot={depot.pk}&status=packed"
        yield Click(f"/routing/plans/new/?{query}", "")


def _created_plans(status: str, n: int):
    from routing.models import Plan

    if _PLANS_AFTER["id"] is None:
        return []
    plans = Plan.objects.filter(status=status, id__gt=_PLANS_AFTER["id"]).order_by("id")
    return list(plans[:n])


def created_plan_action(action: str, status: str, fields=None):
    def find(user, n):
        for plan in _created_plans(status, n):
            page = f"/routing/plans/{plan.reference}/"
            yield Click(page, f"/{action}/", fields or {}, target=plan)

    return find


def _created_plan_stops(n: int):
    """Planned stops of the first ready plan this run created, from each route's second stop
    (so "to position 1" is a real move)."""
    from routing.models import Stop

    plans = _created_plans("ready", 1)
    if not plans:
        return []
    stops = Stop.objects.filter(plan=plans[0], status="planned", sequence__gte=2)
    return list(stops.order_by("route__sequence", "sequence")[:n])


def plan_move_check(user, n):
    for stop in _created_plan_stops(n):
        page = f"/routing/plans/{stop.plan.reference}/"
        yield Click(page, f"/routing/stops/{stop.pk}/move/", {"position": "1", "check_only": "1"})


def plan_move(user, n):
    for stop in _created_plan_stops(n):
        page = f"/routing/plans/{stop.plan.reference}/"
        yield Click(page, f"/routing/stops/{stop.pk}/move/", {"position": "1"})


def route_lock(user, n):
    """Lock, unlock, lock… the first route of the first ready plan this run created (the same
    button, its hidden field flips)."""
    from routing.models import Route

    plans = _created_plans("ready", 1)
    route = Route.objects.filter(plan__in=plans).order_by("sequence").first()
    for _ in range(n if route else 0):
        yield Click(f"/routing/plans/{route.plan.reference}/", f"/routing/routes/{route.pk}/lock/")


def job_cancel(user, n):
    """The plan page's "Cancel" under the optimiser's progress bar: a re-optimisation of each
    ready plan this run created is started first (not timed), then cancelled (queued: at once;
    running: the worker stops it and the plan keeps its routes)."""
    from routing.services import plan_optimize

    for plan in _created_plans("ready", n):
        job = plan_optimize(plan=plan, user=user, kind="reoptimize", time_limit_s=30)
        page = f"/routing/plans/{plan.reference}/"
        yield Click(page, f"/routing/jobs/{job.pk}/cancel/", target=plan)


def wait_for_plan_jobs(click: Click) -> None:
    """Until the clicked plan's job has stopped (the other plans' jobs, queued behind it, are
    the next clicks' to cancel)."""
    from routing.models import OptimizationJob

    deadline = time.monotonic() + 120
    jobs = OptimizationJob.objects.filter(plan=click.target, status__in=["queued", "running"])
    while time.monotonic() < deadline and jobs.exists():
        time.sleep(0.3)


def wait_for_publish(click: Click) -> None:
    """Until the publication the click queued has ended (routing.services.publication), then
    says on stderr what was published, so a run shows Publish did real work."""
    import sys

    from routing.models import Route, Stop
    from routing.services import plan_publication_state

    plan = click.target
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        state = plan_publication_state(plan=plan)
        if not state or state["status"] not in ("queued", "running"):
            break
        time.sleep(0.3)
    plan.refresh_from_db()
    routes = Route.objects.filter(plan=plan).count()
    stops = Stop.objects.filter(plan=plan).count()
    failed = (plan_publication_state(plan=plan) or {}).get("detail", "")
    print(f"  {plan.reference} ({plan.date}): {plan.status}, {routes} routes, {stops} stops"
          + (f" ({failed})" if failed else ""), file=sys.stderr)  # fmt: skip


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


def stop_reschedule(user, n):
    """The board's "Reschedule" on today's failed deliveries; when the demo has none yet, the
    driver of today's last route reports its first stops failed (customer absent) through
    the tracking services first, as the driver app does (not timed)."""
    from routing.models import Stop
    from tracking.services.stops import stop_fail

    failed = Stop.objects.filter(plan__date=_today(), status="failed", ret__isnull=True)
    if failed.count() < n:
        planned = Stop.objects.filter(
            plan__date=_today(), status="planned", ret__isnull=True, route__driver__isnull=False
        ).select_related("route__driver__user")
        for stop in planned.order_by("-route_id", "sequence")[: n - failed.count()]:
            stop_fail(stop=stop, reason="customer_absent", user=stop.route.driver.user)
    for stop in failed.order_by("-id")[:n]:
        page = f"/dispatch/stops/{stop.pk}/reschedule/"
        yield Click(page, "/reschedule/", {"reason": "benchmark"}, page_headers=HX, htmx=True)


def stop_cancel(user, n):
    """The board's "Cancel the order" on today's last planned stops (the other stop buttons
    took the first ones)."""
    from routing.models import Stop

    stops = Stop.objects.filter(
        plan__date=_today(), status="planned", ret__isnull=True, order__status="planned"
    )  # an order out for delivery is not cancelled (409), so its van has not left
    for stop in stops.order_by("-route_id", "-sequence")[:n]:
        page = f"/dispatch/stops/{stop.pk}/cancel/"
        yield Click(page, "/cancel/", {"reason": "benchmark"}, page_headers=HX, htmx=True)


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
        "dispatcher",
        "plan-optimize",
        "Optimise",
        created_plan_action("optimize", "draft"),
        wait_for_jobs,
    ),
    Button("dispatcher", "plan-move-check", "Move stop: Check (plan page)", plan_move_check),
    Button("dispatcher", "plan-move", "Move stop: Move (plan page)", plan_move),
    Button("dispatcher", "route-lock", "Lock / Unlock route (plan page)", route_lock),
    Button(
        "dispatcher",
        "job-cancel",
        "Cancel optimisation (plan page)",
        job_cancel,
        wait_for_plan_jobs,
    ),
    Button(
        "dispatcher",
        "plan-publish",
        "Publish",
        created_plan_action("publish", "ready"),
        wait_for_publish,
    ),
    Button(
        "dispatcher", "reoptimize", "Re-optimise the rest of the day", reoptimize, wait_for_jobs
    ),
    Button("dispatcher", "insert-all", "Insert all unassigned", insert_all),
    Button("dispatcher", "stop-cancel", "Cancel the order (board)", stop_cancel),
    Button(
        "dispatcher",
        "stop-reschedule",
        "Reschedule a failed delivery",
        stop_reschedule,
        missing="no stop today to fail and reschedule",
    ),
]
