"""Warehouses and products by code and SKU: the one lookup every app uses, with errors that name
the field (404 for a path or query reference, 422 when the caller says the name came in a
request body)."""

import pytest

from core.exceptions import NotFound, ValidationFailed
from inventory.models import Warehouse
from inventory.selectors import product_get_by_sku, warehouse_get_by_code
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_a_warehouse_is_found_by_its_code(warehouse):
    assert warehouse_get_by_code(code="BER") == warehouse


def test_an_unknown_warehouse_code_is_not_found_naming_the_field(warehouse):
    with pytest.raises(NotFound) as caught:
        warehouse_get_by_code(code="NOPE", field="depot")
    assert caught.value.status == 404
    assert caught.value.errors == [
        {"field": "depot", "code": "not_found", "message": "Unknown warehouse 'NOPE'."}
    ]


def test_an_inactive_warehouse_is_refused_when_only_active_ones_count(warehouse):
    Warehouse.objects.filter(pk=warehouse.pk).update(is_active=False)
    assert warehouse_get_by_code(code="BER") == warehouse
    with pytest.raises(NotFound, match="Unknown active warehouse 'BER'"):
        warehouse_get_by_code(code="BER", active_only=True)


def test_a_product_is_found_by_its_sku(db):
    product = ProductFactory(sku="TEA-1")
    assert product_get_by_sku(sku="TEA-1") == product


def test_an_unknown_sku_in_a_request_body_is_a_422_naming_the_field(db):
    with pytest.raises(NotFound):
        product_get_by_sku(sku="NOPE")
    with pytest.raises(ValidationFailed) as caught:
        product_get_by_sku(sku="", field="sku", missing=ValidationFailed)
    assert caught.value.status == 422
    assert caught.value.errors[0]["field"] == "sku"
