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

from core.models import Partner


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
    from core.api_keys import api_key_create

    key, _raw = api_key_create(partner=partner, name="isolation", scopes=["orders:read"])
    return key


def make_webhook_endpoint(partner):
    from core.webhooks import webhook_endpoint_create

    endpoint, _secret = webhook_endpoint_create(
        partner=partner, url=f"https://hooks.example.com/{partner.code}"
    )
    return endpoint


def make_webhook_delivery(partner):
    from core.webhooks import webhook_endpoint_send_test

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

# --- orders -------------------------------------------------------------------------------------


def make_customer_order(partner):
    from tests.factories import CustomerFactory, CustomerOrderFactory, OrderLineFactory

    order = CustomerOrderFactory(
        partner=partner, status="new", customer=CustomerFactory(partner=partner)
    )
    OrderLineFactory(order=order)
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


def _by_reference(obj):
    return {"reference": obj.reference}


ROUTES.update(
    {
        "api/v1/orders/": Collection(make_customer_order, row_id=lambda o: o.reference),
        "api/v1/orders/import/": NotTenantData(
            "creates the calling partner's own orders from a CSV; no id in the URL"
        ),
        "api/v1/orders/<str:reference>/": Item(make_customer_order, kwargs=_by_reference),
        "api/v1/orders/<str:reference>/confirm/": Item(make_customer_order, kwargs=_by_reference),
        "api/v1/orders/<str:reference>/cancel/": Item(make_customer_order, kwargs=_by_reference),
        "api/v1/orders/<str:reference>/reschedule/": Item(
            make_customer_order, kwargs=_by_reference
        ),
        "api/v1/returns/": Collection(make_return, row_id=lambda r: r.reference),
        "api/v1/returns/<str:reference>/": Item(make_return, kwargs=_by_reference),
        "api/v1/returns/<str:reference>/receive/": StaffOnly("warehouse receipt of a return"),
        "api/v1/returns/<str:reference>/reject/": StaffOnly("dispatchers reject returns"),
    }
)

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
            "api/v1/jobs/<int:job_id>/",
            "api/v1/jobs/<int:job_id>/cancel/",
            "api/v1/routes/",
            "api/v1/routes/<int:route_id>/",
            "api/v1/routes/<int:route_id>/lock/",
            "api/v1/routes/<int:route_id>/stops/",
            "api/v1/stops/<int:stop_id>/move/",
        ],
        StaffOnly(_DISPATCHERS),
    )
)

# --- tracking -----------------------------------------------------------------------------------

# --- orders: demand forecasting (issue 13) ------------------------------------------------------

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
        ],
        StaffOnly("demand forecasts aggregate all partners' orders; purchasing and dispatch"),
    )
)
