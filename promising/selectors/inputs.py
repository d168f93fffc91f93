"""What a delivery-options request asks about: where (a point, or an address the geocoder
finds), what (known products in positive quantities) and which depots serve that point."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.exceptions import ValidationFailed
from core.geo import haversine_m
from inventory.models import Product, Warehouse
from orders.geocoding import GeocoderUnavailable, geocode
from promising import conf
from promising.selectors.quotes import REFERENCE_MEMO_S, memo_get, memo_set

MAX_ITEMS = 100
MAX_QUANTITY = 100_000


@dataclass(frozen=True)
class Destination:
    latitude: Decimal
    longitude: Decimal
    address: str = ""

    @property
    def point(self) -> tuple[float, float]:
        return (float(self.latitude), float(self.longitude))


@dataclass(frozen=True)
class Item:
    product: Product
    quantity: int


@dataclass(frozen=True)
class DepotRules:
    warehouse: Warehouse
    cutoff: dt.time
    service_radius_m: int
    window_minutes: int
    distance_m: float  # great-circle distance from the depot to the destination


def _coordinate(value, low: int, high: int, field: str) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed("Give a number.", field=field) from None
    if not low <= number <= high:
        raise ValidationFailed(f"Must be between {low} and {high}.", field=field)
    return number


def destination_resolve(destination) -> Destination:
    """`{"lat": …, "lon": …}` or `{"address": "…"}`; an address the geocoder cannot place (or
    no geocoder configured, or it is down) is unreachable: 422 naming `destination`."""
    if not isinstance(destination, dict):
        raise ValidationFailed("Give {lat, lon} or {address}.", field="destination")
    if destination.get("lat") is not None or destination.get("lon") is not None:
        lat = _coordinate(destination.get("lat"), -90, 90, "destination.lat")
        lon = _coordinate(destination.get("lon"), -180, 180, "destination.lon")
        if lat == 0 and lon == 0:
            raise ValidationFailed("0, 0 is not an address.", field="destination")
        return Destination(lat, lon, str(destination.get("address") or "")[:300])
    address = " ".join(str(destination.get("address") or "").split())
    if not address:
        raise ValidationFailed("Give {lat, lon} or {address}.", field="destination")
    try:
        found = geocode(address)
    except GeocoderUnavailable:
        found = None
    if found is None:
        raise ValidationFailed(
            "This address could not be located; give its coordinates.",
            field="destination",
            code="unreachable",
        )
    return Destination(found.latitude, found.longitude, address)


def items_resolve(items) -> list[Item]:
    """Known, active products in whole positive quantities (the same SKU twice is merged);
    every bad entry is named (`items[1].sku`)."""
    if not isinstance(items, list) or not items:
        raise ValidationFailed("Give at least one item.", field="items", code="required")
    if len(items) > MAX_ITEMS:
        raise ValidationFailed(f"At most {MAX_ITEMS} items.", field="items")
    skus = {str(i.get("sku")) for i in items if isinstance(i, dict)}
    products = _products(skus)
    errors, merged = [], {}
    for index, item in enumerate(items):
        sku = item.get("sku") if isinstance(item, dict) else None
        quantity = item.get("quantity") if isinstance(item, dict) else None
        product = products.get(str(sku)) if sku is not None else None
        if product is None or not product.is_active:
            errors.append(
                {
                    "field": f"items[{index}].sku",
                    "code": "not_found",
                    "message": f"Unknown product '{sku}'.",
                }
            )
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            errors.append(
                {
                    "field": f"items[{index}].quantity",
                    "code": "invalid",
                    "message": "A whole number of units, at least 1.",
                }
            )
        elif quantity > MAX_QUANTITY:
            errors.append(
                {
                    "field": f"items[{index}].quantity",
                    "code": "invalid",
                    "message": f"At most {MAX_QUANTITY}.",
                }
            )
        if not errors:
            before = merged[product.pk].quantity if product.pk in merged else 0
            merged[product.pk] = Item(product, before + quantity)
    if errors:
        names = ", ".join(e["field"] for e in errors)
        raise ValidationFailed(f"The items have invalid fields: {names}", errors=errors)
    return list(merged.values())


def _products(skus: set[str]) -> dict[str, Product]:
    """Products by SKU, memoised in the process for REFERENCE_MEMO_S (a product deactivated
    meanwhile is refused when its option is held)."""
    found, missing = {}, []
    for sku in skus:
        product = memo_get(f"promising:product:{sku}")
        if product is None:
            missing.append(sku)
        else:
            found[sku] = product
    if missing:
        for product in Product.objects.filter(sku__in=missing):
            memo_set(f"promising:product:{product.sku}", product, REFERENCE_MEMO_S)
            found[product.sku] = product
    return found


def _active_depots() -> list[Warehouse]:
    """Active depots with their promise settings, memoised in the process for
    REFERENCE_MEMO_S (a depot deactivated meanwhile is refused when its option is held)."""
    depots = memo_get("promising:depots")
    if depots is None:
        depots = list(Warehouse.objects.filter(is_active=True).select_related("promise_settings"))
        memo_set("promising:depots", depots, REFERENCE_MEMO_S)
    return depots


def depot_rules(warehouse: Warehouse, *, distance_m: float = 0.0) -> DepotRules:
    """The depot's own settings (DepotPromiseSettings), else the PROMISING_* defaults."""
    own = getattr(warehouse, "promise_settings", None)
    if own is not None:
        return DepotRules(
            warehouse, own.cutoff_time, own.service_radius_m, own.window_minutes, distance_m
        )
    cutoff = dt.time.fromisoformat(conf.get("PROMISING_CUTOFF"))
    return DepotRules(
        warehouse,
        cutoff,
        conf.get("PROMISING_SERVICE_RADIUS_M"),
        conf.get("PROMISING_WINDOW_MINUTES"),
        distance_m,
    )


def depots_serving(destination: Destination) -> list[DepotRules]:
    """Active depots whose service area holds the point, nearest first; none → 422 naming
    `destination`."""
    out = []
    for warehouse in _active_depots():
        distance = haversine_m(destination.point, (warehouse.latitude, warehouse.longitude))
        rules = depot_rules(warehouse, distance_m=distance)
        if distance <= rules.service_radius_m:
            out.append(rules)
    if not out:
        raise ValidationFailed(
            "No depot delivers to this destination (outside every service area).",
            field="destination",
            code="unreachable",
        )
    out.sort(key=lambda r: (r.distance_m, r.warehouse.code))
    return out
