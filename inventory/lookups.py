"""Resolve the names a request uses (SKU, location id, lot code) into rows, with errors that
name the field. Shared by the API and the pages."""

from core.exceptions import InsufficientStock, ValidationFailed
from inventory.models import Location, Lot, Product, StockCondition
from inventory.selectors.catalog import product_get_by_sku
from inventory.selectors.stock import stock_find
from inventory.services import stock_row_ensure


def product_lookup(sku: str) -> Product:
    return product_get_by_sku(sku=sku, missing=ValidationFailed)


def location_lookup(pk: int, field: str, *, partner=None) -> Location:
    """The location `pk` a request body names (unknown: 422 naming the field, docs/api.md).
    With `partner` (a partner key writing stock), only locations in the warehouses granted to
    it exist: any other answers the same 422 as an id that does not exist."""
    locations = Location.objects.select_related("warehouse")
    if partner is not None:
        locations = locations.filter(warehouse__partner_grants__partner=partner)
        location = locations.filter(pk=pk).first()
        if location is None:
            raise ValidationFailed(
                f"No location {pk} in a warehouse your account may change stock in.",
                field=field,
                code="not_found",
            )
        return location
    location = locations.filter(pk=pk).first()
    if location is None:
        raise ValidationFailed(f"Unknown location {pk}.", field=field, code="not_found")
    return location


def lot_lookup(product: Product, code: str | None) -> Lot | None:
    if not code:
        return None
    lot = Lot.objects.filter(product=product, code=code).first()
    if lot is None:
        other = Lot.objects.filter(code=code).select_related("product").first()
        message = (
            f"Lot {code} belongs to {other.product.sku}, not {product.sku}."
            if other
            else f"No lot {code} of {product.sku}."
        )
        raise ValidationFailed(message, field="lot")
    return lot


def stock_row_resolve(
    data: dict, *, location_field: str = "location", create: bool = False, partner=None
):
    """The stock row a request names by product, location, lot and condition (`partner`: see
    location_lookup)."""
    product = product_lookup(data["product"])
    location = location_lookup(data[location_field], location_field, partner=partner)
    lot = lot_lookup(product, data.get("lot"))
    condition = data.get("condition") or StockCondition.GOOD
    if create:
        return stock_row_ensure(product=product, location=location, lot=lot, condition=condition)
    row = stock_find(product=product, location=location, lot=lot, condition=condition)
    if row is None:
        raise InsufficientStock(
            f"There is no {condition} stock of {product.sku} at {location}.",
            field=location_field,
            extra={"available": 0},
        )
    return row
