"""THE registry of API routes for the tenant-isolation walk (tests/partners/test_isolation.py).

Every route under /api/v1/ must appear here, keyed by its full route string as Django prints it
(e.g. "api/v1/orders/<str:reference>/"). The walk fails for any route missing here, so adding
an endpoint means adding one line that says how its objects belong to a partner:

* `Collection(make, row_id)` — a list route. `make(partner)` creates one object owned by that
  partner; `row_id(obj)` is the value of the row's `id` field in the JSON list. The walk checks
  that partner B's list holds B's row and not A's.
* `Item(make, kwargs)` — a detail or action route. `kwargs(obj)` gives the URL kwargs for the
  object. The walk calls every method of the view with B's key on A's object and expects 404
  (never 403 or the object), and that A's row is unchanged; A itself must get 200 on GET.
  `body(obj)` is the JSON sent with POST/PUT/PATCH when the view validates before looking up.
* `StaffOnly(reason)` — partner keys may not call it at all (403 for every method and id).
* `NotTenantData(reason)` — no partner-owned object behind it (e.g. who-am-I); say why.

Factories should create the smallest valid object through the app's services or factories
(tests/factories.py). Keep entries grouped per app, like the factories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from partners.models import Partner


@dataclass(frozen=True)
class Collection:
    make: Callable[[Partner], Any]
    row_id: Callable[[Any], Any]


@dataclass(frozen=True)
class Item:
    make: Callable[[Partner], Any]
    kwargs: Callable[[Any], dict]
    body: Callable[[Any], dict] = field(default=lambda obj: {})


@dataclass(frozen=True)
class StaffOnly:
    reason: str


@dataclass(frozen=True)
class NotTenantData:
    reason: str


# --- core (partner integration) -----------------------------------------------------------------


def make_api_key(partner):
    from partners.services.api_keys import api_key_create

    key, _raw = api_key_create(partner=partner, name="isolation", scopes=["orders:read"])
    return key


def make_webhook_endpoint(partner):
    from partners.services.webhooks.endpoints import webhook_endpoint_create

    endpoint, _secret = webhook_endpoint_create(
        partner=partner, url=f"https://hooks.example.com/{partner.code}"
    )
    return endpoint


def make_webhook_delivery(partner):
    from partners.services.webhooks.delivery import webhook_endpoint_send_test

    return webhook_endpoint_send_test(endpoint=make_webhook_endpoint(partner))


ROUTES: dict[str, object] = {
    "api/v1/me/": NotTenantData("describes the calling key itself"),
    "api/v1/api-keys/": Collection(make_api_key, row_id=lambda k: k.prefix),
    "api/v1/api-keys/<str:key_id>/": Item(make_api_key, kwargs=lambda k: {"key_id": k.prefix}),
    "api/v1/api-keys/<str:key_id>/revoke/": Item(
        make_api_key, kwargs=lambda k: {"key_id": k.prefix}
    ),
    "api/v1/webhook-endpoints/": Collection(make_webhook_endpoint, row_id=lambda e: e.public_id),
    "api/v1/webhook-endpoints/<str:endpoint_id>/": Item(
        make_webhook_endpoint, kwargs=lambda e: {"endpoint_id": e.public_id}
    ),
    "api/v1/webhook-endpoints/<str:endpoint_id>/rotate-secret/": Item(
        make_webhook_endpoint, kwargs=lambda e: {"endpoint_id": e.public_id}
    ),
    "api/v1/webhook-endpoints/<str:endpoint_id>/test/": Item(
        make_webhook_endpoint, kwargs=lambda e: {"endpoint_id": e.public_id}
    ),
    "api/v1/webhook-deliveries/": Collection(make_webhook_delivery, row_id=lambda d: d.msg_id),
    "api/v1/webhook-deliveries/<str:delivery_id>/": Item(
        make_webhook_delivery, kwargs=lambda d: {"delivery_id": d.msg_id}
    ),
    "api/v1/webhook-deliveries/<str:delivery_id>/replay/": Item(
        make_webhook_delivery, kwargs=lambda d: {"delivery_id": d.msg_id}
    ),
}

# --- inventory ----------------------------------------------------------------------------------

# Warehouse stock and the catalog belong to no partner: a key reads them with `stock:read` and
# changes stock with `stock:write` (scopes staff grant per partner; tests/inventory/test_api.py
# proves both). The ledger and the reports name other partners' orders, staff users and costs,
# so they are staff-only, like the CSV imports (inventory/apis/access.py).
_CATALOG = "shared reference data: partner keys read it with stock:read, never write it (403)"
_STOCK_WRITE = (
    "changes warehouse stock with stock:write, only in warehouses granted to the partner "
    "(tests/partners/test_warehouse_grants.py proves 422 elsewhere)"
)
ROUTES.update(
    {
        **dict.fromkeys(
            [
                "api/v1/^warehouses/$",
                "api/v1/^warehouses/(?P<code>[^/.]+)/$",
                "api/v1/^locations/$",
                "api/v1/^locations/(?P<pk>[^/.]+)/$",
                "api/v1/^products/$",
                "api/v1/^products/(?P<sku>[A-Za-z0-9][A-Za-z0-9._/-]*)/$",
            ],
            NotTenantData(_CATALOG),
        ),
        "api/v1/stock/": NotTenantData("warehouse stock levels, read with stock:read"),
        **dict.fromkeys(
            [
                "api/v1/stock/receive/",
                "api/v1/stock/transfer/",
                "api/v1/stock/adjust/",
                "api/v1/stock/condition-change/",
                "api/v1/stock/scrap/",
            ],
            NotTenantData(_STOCK_WRITE),
        ),
        "api/v1/stock-moves/": StaffOnly("the ledger names other partners' orders and staff"),
        "api/v1/inventory/reports/": StaffOnly("stock reports with costs and the ledger"),
        "api/v1/inventory/reports/<slug:slug>/": StaffOnly("stock reports with costs and ledger"),
        "api/v1/products/import/": StaffOnly("catalog import by warehouse/purchasing staff"),
        "api/v1/stock/import/": StaffOnly("opening stock import by warehouse staff"),
        "api/v1/products/import/runs/<str:run_id>/": StaffOnly("a staff catalog import's run"),
        "api/v1/stock/import/runs/<str:run_id>/": StaffOnly("a staff opening-stock import's run"),
    }
)

# --- orders -------------------------------------------------------------------------------------


def make_customer_order(partner):
    from tests.factories import CustomerFactory, CustomerOrderFactory, OrderLineFactory

    order = CustomerOrderFactory(
        partner=partner, status="new", customer=CustomerFactory(partner=partner)
    )
    OrderLineFactory(order=order)
    return order


def make_delivered_order(partner):
    """A partner's order delivered with a proof of delivery (on a one-stop route)."""
    import datetime as dt

    from django.utils import timezone

    from routing.models import Plan, Route, Stop
    from tests.factories import DriverFactory, ShiftFactory, VehicleFactory
    from tracking.models import ProofOfDelivery

    order = make_customer_order(partner)
    now = timezone.now()
    vehicle = VehicleFactory(depot=order.warehouse)
    shift = ShiftFactory(vehicle=vehicle, driver=DriverFactory(), date=now.date())
    plan = Plan.objects.create(
        reference=f"PLN-ISO-{order.pk}", date=now.date(), status="published", published_at=now
    )
    route = Route.objects.create(
        plan=plan, vehicle=vehicle, shift=shift, driver=shift.driver, sequence=1,
        start_at=now, end_at=now + dt.timedelta(hours=1),
    )  # fmt: skip
    stop = Stop.objects.create(
        plan=plan, route=route, order=order, sequence=1,
        planned_arrival=now, planned_start=now, planned_departure=now,
    )  # fmt: skip
    ProofOfDelivery.objects.create(stop=stop, order=order, recipient_name="Ada", delivered_at=now)
    return order


def make_return(partner):
    from django.utils import timezone

    from orders.models import Return, ReturnLine

    order = make_customer_order(partner)
    order.status, order.delivered_at = "delivered", timezone.now()
    order.save()
    line = order.lines.get()
    line.quantity_reserved = line.quantity_picked = line.quantity_delivered = line.quantity
    line.save()
    ret = Return.objects.create(
        reference=f"RMA-2099-{order.pk:06d}",
        order=order,
        partner=partner,
        warehouse=order.warehouse,
        channel="partner",
        status="approved",
    )
    ReturnLine.objects.create(ret=ret, order_line=line, quantity=1, reason="defective")
    return ret


def _order_import_run_id(partner) -> str:
    """The partner's queued CSV import run (its key's principal owns it); starting it again
    gives the same run, so this both makes it and names it."""
    from types import SimpleNamespace

    from orders.services.import_runs import orders_import_run_start

    principal = SimpleNamespace(pk=f"partner:{partner.pk}")
    content = (
        "order_ref,warehouse,customer_name,address,window_start,window_end,sku,quantity\n"
        f"ISO-{partner.code},BER,Ann,Main St 1,2030-01-02 09:00,2030-01-02 11:00,SKU-1,1\n"
    ).encode()
    return orders_import_run_start(content=content, user=principal, partner=partner)


def make_order_import_run(partner):
    _order_import_run_id(partner)
    return partner  # a run lives in the cache; the walk snapshots the row that owns it


def _by_reference(obj):
    return {"reference": obj.reference}


ROUTES.update(
    {
        "api/v1/orders/": Collection(make_customer_order, row_id=lambda o: o.reference),
        "api/v1/orders/import/": NotTenantData(
            "creates the calling partner's own orders from a CSV; no id in the URL"
        ),
        "api/v1/orders/import/runs/<str:run_id>/": Item(
            make_order_import_run, kwargs=lambda p: {"run_id": _order_import_run_id(p)}
        ),
        "api/v1/orders/<str:reference>/": Item(make_customer_order, kwargs=_by_reference),
        "api/v1/orders/<str:reference>/confirm/": Item(make_customer_order, kwargs=_by_reference),
        "api/v1/orders/<str:reference>/cancel/": Item(make_customer_order, kwargs=_by_reference),
        "api/v1/orders/<str:reference>/reschedule/": Item(
            make_customer_order, kwargs=_by_reference
        ),
        "api/v1/orders/<str:reference>/pod.pdf": Item(make_delivered_order, kwargs=_by_reference),
        "api/v1/returns/": Collection(make_return, row_id=lambda r: r.reference),
        "api/v1/returns/<str:reference>/": Item(make_return, kwargs=_by_reference),
        "api/v1/returns/<str:reference>/receive/": StaffOnly("warehouse receipt of a return"),
        "api/v1/returns/<str:reference>/reject/": StaffOnly("dispatchers reject returns"),
    }
)

# --- orders: purchasing -------------------------------------------------------------------------

# Suppliers, purchase orders and reorder suggestions are the company's own buying: no API key
# scope reaches them (orders/apis/purchasing.py), so partner keys get 403 whatever their scopes.
ROUTES.update(
    dict.fromkeys(
        [
            "api/v1/suppliers/",
            "api/v1/suppliers/<str:code>/",
            "api/v1/suppliers/<str:code>/performance/",
            "api/v1/suppliers/<str:code>/products/",
            "api/v1/purchase-orders/",
            "api/v1/purchase-orders/<str:reference>/",
            *(
                f"api/v1/purchase-orders/<str:reference>/{action}/"
                for action in (
                    "amend", "approve", "cancel", "close", "confirm", "receive", "reject", "send",
                    "submit",
                )
            ),
            "api/v1/reorder-suggestions/",
            "api/v1/reorder-suggestions/create-orders/",
        ],
        StaffOnly("purchasing is staff work; no partner scope reaches it"),
    )
)  # fmt: skip

# --- routing ------------------------------------------------------------------------------------

# Routes mix many partners' orders, so no routing endpoint is partner data: partner keys get 403
# whatever their scopes (routing/apis.py); partners follow their orders via /orders/ and tracking.
_DISPATCHERS = "dispatcher planning; routes mix many partners' orders"
ROUTES.update(
    dict.fromkeys(
        [
            "api/v1/plans/",
            "api/v1/plans/<str:reference>/",
            "api/v1/plans/<str:reference>/optimize/",
            "api/v1/plans/<str:reference>/publish/",
            "api/v1/plans/<str:reference>/publication/",
            "api/v1/jobs/<int:job_id>/",
            "api/v1/jobs/<int:job_id>/cancel/",
            "api/v1/routes/",
            "api/v1/routes/<int:route_id>/",
            "api/v1/routes/<int:route_id>/lock/",
            "api/v1/routes/<int:route_id>/stops/",
            "api/v1/routes/<int:route_id>/insert/",
            "api/v1/stops/<int:stop_id>/move/",
        ],
        StaffOnly(_DISPATCHERS),
    )
)


# The fleet (vehicles, drivers, their time off, shifts) is the operator's own, no partner's.
ROUTES.update(
    dict.fromkeys(
        [
            "api/v1/vehicles/",
            "api/v1/vehicles/<str:code>/",
            "api/v1/drivers/",
            "api/v1/drivers/<int:driver_id>/",
            "api/v1/drivers/<int:driver_id>/time-off/",
            "api/v1/drivers/<int:driver_id>/time-off/<int:time_off_id>/",
            "api/v1/shifts/",
            "api/v1/shifts/<int:shift_id>/",
        ],
        StaffOnly("the operator's fleet and shifts, edited by dispatchers"),
    )
)


def make_optimization(partner):
    """An optimisation request (VROOM JSON) is the posting partner's own."""
    from routing.optimizations.services import optimization_request_create

    return optimization_request_create(
        body={
            "vehicles": [{"id": 1, "start_index": 0}],
            "jobs": [{"id": 1, "location_index": 1}],
            "matrices": {"car": {"durations": [[0, 5], [5, 0]]}},
        },
        partner=partner,
    )


ROUTES.update(
    {
        "api/v1/optimizations/": Collection(make_optimization, row_id=lambda o: str(o.public_id)),
        **dict.fromkeys(
            [
                "api/v1/optimizations/<str:public_id>/",
                "api/v1/optimizations/<str:public_id>/cancel/",
            ],
            Item(make_optimization, kwargs=lambda o: {"public_id": o.public_id}),
        ),
    }
)

# --- tracking -----------------------------------------------------------------------------------


def make_vehicle(partner):
    """A fleet vehicle. Partners own no vehicles in Waybill, so a key with `pings:write` gets
    404 for every vehicle (tracking/apis.py): A's as much as anyone's, and no ping is stored."""
    from tests.factories import VehicleFactory

    return VehicleFactory()


def _ping_body(vehicle):
    from django.utils import timezone

    now = timezone.now().isoformat()
    return {"vehicle": vehicle.code, "pings": [{"time": now, "latitude": 52.5, "longitude": 13.4}]}


ROUTES.update(
    {
        "api/v1/pings/": Item(make_vehicle, kwargs=lambda v: {}, body=_ping_body),
        **dict.fromkeys(
            [
                "api/v1/driver/routes/<int:pk>/start/",
                "api/v1/driver/stops/<int:pk>/arrive/",
                "api/v1/driver/stops/<int:pk>/deliver/",
                "api/v1/driver/stops/<int:pk>/fail/",
                "api/v1/driver/stops/<int:pk>/skip/",
            ],
            StaffOnly("the driver app's actions: driver sessions only"),
        ),
        "api/v1/kpis/": StaffOnly("delivery KPIs across all partners, for dispatchers"),
    }
)

# --- forecasting: demand -----------------------------------------------------------------------

# Forecasts aggregate every partner's orders per product and warehouse: staff data only, partner
# keys get 403 whatever their scopes (orders/apis/forecasting.py has no partner scope).
ROUTES.update(
    dict.fromkeys(
        [
            "api/v1/forecasts/",
            "api/v1/forecasts/export.csv",
            "api/v1/forecasts/reorder-suggestions/",
            "api/v1/forecasts/volume/<str:warehouse>/",
            "api/v1/forecasts/<str:warehouse>/<str:sku>/",
            "api/v1/forecasts/<str:warehouse>/<str:sku>/recompute/",
            "api/v1/forecasts/<str:warehouse>/<str:sku>/recompute/runs/<str:run_id>/",
        ],
        StaffOnly("demand forecasts aggregate all partners' orders; purchasing and dispatch"),
    )
)


# --- promising: delivery options -----------------------------------------------------------------


def delivery_option_for(partner) -> dict:
    """An option quoted for the partner: its id is signed with the partner it was quoted for
    (nothing is stored until it is reserved, so the walk watches the partner's row)."""
    from promising.selectors.options import option_sign

    return {"option_id": option_sign({"p": partner.pk, "w": "NONE", "d": "2030-01-01", "i": []})}


def make_delivery_option_hold(partner):
    import datetime as dt

    from django.utils import timezone

    from core.references import reference_next
    from promising.models import PromiseReservation
    from tests.factories import WarehouseFactory

    start = timezone.now() + dt.timedelta(days=1)
    return PromiseReservation.objects.create(
        reference=reference_next(prefix="DO"),
        partner=partner,
        warehouse=WarehouseFactory(),
        date=start.date(),
        window_start=start,
        window_end=start + dt.timedelta(hours=2),
        latitude="52.5",
        longitude="13.4",
        cost="3.20",
        confidence=0.9,
        expires_at=timezone.now() + dt.timedelta(minutes=15),
    )


ROUTES.update(
    {
        "api/v1/delivery-options/": NotTenantData(
            "a quote over shared stock and capacity; ids are signed for the caller"
        ),
        "api/v1/delivery-options/<str:option_id>/reserve/": Item(
            lambda partner: partner, kwargs=delivery_option_for
        ),
        "api/v1/delivery-options/reservations/<str:reference>/": Item(
            make_delivery_option_hold, kwargs=lambda hold: {"reference": hold.reference}
        ),
    }
)
