"""Reference data: warehouses, locations, products. Validated with the models' own rules."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from core.exceptions import Conflict, ValidationFailed
from inventory.models import Location, Product, Stock, Warehouse


def _validation_failed(exc: ValidationError) -> ValidationFailed:
    errors = [
        {"field": None if field == "__all__" else field, "code": "invalid", "message": message}
        for field, messages in exc.message_dict.items()
        for message in messages
    ]
    return ValidationFailed(
        "; ".join(f"{e['field'] or 'record'}: {e['message']}" for e in errors), errors=errors
    )


def _save(instance, fields: dict):
    for name, value in fields.items():
        setattr(instance, name, value)
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise _validation_failed(exc) from exc
    instance.save()
    return instance


@transaction.atomic
def warehouse_create(**fields) -> Warehouse:
    return _save(Warehouse(), fields)


@transaction.atomic
def warehouse_update(*, warehouse: Warehouse, **fields) -> Warehouse:
    if fields.get("is_active") is False and warehouse.is_active:
        _refuse_if_holding_stock(Stock.objects.filter(location__warehouse=warehouse), warehouse)
    return _save(warehouse, fields)


@transaction.atomic
def location_create(**fields) -> Location:
    return _save(Location(), fields)


@transaction.atomic
def location_update(*, location: Location, **fields) -> Location:
    moving = "warehouse" in fields and fields["warehouse"] != location.warehouse
    if moving and Stock.objects.filter(location=location).exists():
        raise ValidationFailed(
            "A location with stock history cannot move to another warehouse.", field="warehouse"
        )
    if fields.get("is_active") is False and location.is_active:
        _refuse_if_holding_stock(Stock.objects.filter(location=location), location)
    return _save(location, fields)


def _refuse_if_holding_stock(stock, what) -> None:
    if stock.filter(on_hand__gt=0).exists():
        raise Conflict(
            f"{what} still holds stock; move it out before deactivating.", field="is_active"
        )


@transaction.atomic
def product_create(**fields) -> Product:
    return _save(Product(), fields)


@transaction.atomic
def product_update(*, product: Product, **fields) -> Product:
    if "sku" in fields and fields["sku"] != product.sku and product.moves.exists():
        raise ValidationFailed(
            "The SKU of a product with stock history cannot change.", field="sku"
        )
    if (
        "shelf_life_days" in fields
        and fields["shelf_life_days"] is None
        and product.lots.filter(expires_at__isnull=False).exists()
    ):
        raise ValidationFailed(
            "This product has lots with expiry dates; it keeps a shelf life.",
            field="shelf_life_days",
        )
    return _save(product, fields)


@transaction.atomic
def product_deactivate(*, product: Product) -> Product:
    """Products are never deleted: deactivated ones cannot be received or reserved, while any
    stock left can still be moved, counted, scrapped or returned."""
    if product.is_active:
        Product.objects.filter(pk=product.pk).update(is_active=False)
        product.is_active = False
    return product
