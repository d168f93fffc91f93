"""A shop's checkout for the simulator: each customer asks for delivery options through the
partner API, picks one on the day they want, holds it and orders with it — as a partner's
shop would — then the warehouse confirms, picks and packs the order through the orders services.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field

from django.test import Client

from core.exceptions import DomainError, InsufficientStock
from inventory.models import Warehouse
from orders import services as order_services
from orders.models import CustomerOrder
from simulator.days import _replenish, _stocked_products


@dataclass
class CheckoutStats:
    asked: int = 0
    ordered: int = 0
    no_option_that_day: int = 0  # the day wished was full (or not feasible): the customer left
    lost_hold: int = 0  # the hold was refused (taken meanwhile) or the order refused
    orders: list[CustomerOrder] = field(default_factory=list)


class PartnerApi:
    """The partner API in process, authenticated with a partner key (as the shop's server)."""

    def __init__(self, raw_key: str) -> None:
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")

    def post(self, path: str, body: dict | None = None, **headers) -> tuple[int, dict]:
        response = self.client.post(
            path, json.dumps(body or {}), content_type="application/json", **headers
        )
        return response.status_code, response.json()


def shop_checkouts(
    *,
    api: PartnerApi,
    warehouse: Warehouse,
    date: dt.date,
    count: int,
    rng: random.Random,
    spread_deg: tuple[float, float] = (0.08, 0.13),
    prefix: str = "Shop",
) -> CheckoutStats:
    """`count` customers around `warehouse` who want delivery on `date`: each asks for the
    options of that day, picks one at random (people choose windows, not the cheapest), holds
    it and orders with it. A customer offered nothing that day leaves."""
    stats = CheckoutStats()
    products = _stocked_products(warehouse)
    if len(products) < 3:
        _replenish(warehouse=warehouse, products=products)
        products = _stocked_products(warehouse)
    lat0, lon0 = float(warehouse.latitude), float(warehouse.longitude)
    for n in range(count):
        stats.asked += 1
        point = {
            "lat": round(lat0 + rng.uniform(-1, 1) * spread_deg[0], 6),
            "lon": round(lon0 + rng.uniform(-1, 1) * spread_deg[1], 6),
        }
        basket = rng.sample(products, k=min(len(products), rng.randint(1, 2)))
        items = [{"sku": p.sku, "quantity": rng.randint(1, 2)} for p in basket]
        status, body = api.post(
            "/api/v1/delivery-options/",
            {"destination": point, "items": items, "wished_date": date.isoformat(), "days": 1},
        )
        options = [o for o in body.get("options", []) if o["warehouse"] == warehouse.code]
        if status != 200 or not options:
            stats.no_option_that_day += 1
            continue
        option = rng.choice(options)
        ref = f"{prefix}-{date:%m%d}-{warehouse.code}-{n + 1:03d}"
        status, hold = api.post(
            f"/api/v1/delivery-options/{option['option_id']}/reserve/",
            HTTP_IDEMPOTENCY_KEY=f"hold-{ref}",
        )
        if status != 201:
            stats.lost_hold += 1
            continue
        status, order = api.post(
            "/api/v1/orders/",
            {
                "delivery_option": hold["id"],
                "external_ref": ref,
                "customer": {"name": f"{prefix} customer {ref}"},
                "address": f"{prefix} street {n + 1}, {warehouse.city or warehouse.code}",
                "service_time_s": rng.choice([120, 180, 240, 300]),
                "lines": [{"product": i["sku"], "quantity": i["quantity"]} for i in items],
            },
            HTTP_IDEMPOTENCY_KEY=f"order-{ref}",
        )
        if status != 201:
            stats.lost_hold += 1
            continue
        placed = CustomerOrder.objects.get(reference=order["reference"])
        try:
            try:
                order_services.order_confirm(order=placed)
            except InsufficientStock:
                _replenish(warehouse=warehouse, products=basket)
                order_services.order_confirm(order=placed)
            order_services.order_pick(order=placed)
            order_services.order_pack(order=placed)
        except DomainError:
            order_services.order_cancel(order=placed, reason="Simulator: could not prepare.")
            stats.lost_hold += 1
            continue
        stats.ordered += 1
        stats.orders.append(placed)
    return stats
