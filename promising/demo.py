"""Demo promises: a few orders the demo partner placed as its shop's checkout does (delivery
options for a basket, a hold on one, the order created with it), so order pages and the
partner's orders show a promised date and window. Idempotent: skipped when the demo partner
already has a promised demo order."""

from __future__ import annotations

from decimal import Decimal

from core.exceptions import DomainError
from inventory.models import Product, Warehouse
from orders.models import CustomerOrder
from orders.services import order_create
from partners.models import Partner
from promising.selectors import delivery_options
from promising.services import delivery_option_reserve

PARTNER = "acme-shop"
# (customer, address, offset in degrees from the depot, depot)
CUSTOMERS = [
    ("Clara Becker", "Kastanienallee 12, Berlin", (0.018, 0.006), "BER"),
    ("Jonas Wagner", "Sonnenallee 88, Berlin", (-0.021, 0.032), "BER"),
    ("Lea Fischer", "Osterstraße 41, Hamburg", (0.012, -0.028), "HAM"),
]


def _price(product: Product) -> Decimal:
    """The shop's price: the demo orders' mark-up on cost (orders/demo.py)."""
    return (product.unit_cost * Decimal("1.6")).quantize(Decimal("0.01"))


def seed_promises(*, stdout) -> int:
    partner = Partner.objects.filter(code=PARTNER).first()
    if partner is None:
        return 0
    if CustomerOrder.objects.filter(
        partner=partner, external_ref__startswith="DEMO-PROMISE-"
    ).exists():
        return 0
    depots = {w.code: w for w in Warehouse.objects.filter(code__in=["BER", "HAM"])}
    product = Product.objects.filter(is_active=True).order_by("sku").first()
    created = 0
    for index, (name, address, (dlat, dlon), code) in enumerate(CUSTOMERS, start=1):
        depot = depots.get(code)
        if depot is None or product is None:
            continue
        lat = (depot.latitude + Decimal(str(dlat))).quantize(Decimal("0.000001"))
        lon = (depot.longitude + Decimal(str(dlon))).quantize(Decimal("0.000001"))
        try:
            found = delivery_options(
                destination={"lat": str(lat), "lon": str(lon), "address": address},
                items=[{"sku": product.sku, "quantity": 1}],
                partner=partner,
            )
            options = [o for o in found.options if o.warehouse == code]
            if not options:
                stdout.write(f"promising: no delivery option for {address}\n")
                continue
            # A later option than the first, as customers pick windows, not the earliest.
            option = options[min(index * 2, len(options) - 1)]
            hold = delivery_option_reserve(option_id=option.option_id, partner=partner)
            order = order_create(
                warehouse=None,
                partner=partner,
                external_ref=f"DEMO-PROMISE-{index}",
                customer_name=name,
                customer_email=f"{name.lower().replace(' ', '.')}@example.com",
                address=address,
                latitude=lat,
                longitude=lon,
                window_start=None,
                window_end=None,
                lines=[{"product": product, "quantity": 1, "unit_price": _price(product)}],
                delivery_option=hold.reference,
            )
        except DomainError as exc:
            stdout.write(f"promising: demo promise for {address} not made: {exc.detail}\n")
            continue
        created += 1
        stdout.write(f"promising: {order.reference} promised {order.window_start:%Y-%m-%d}\n")
    return created
