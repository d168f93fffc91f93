"""The database itself refuses broken stock: CHECK, UNIQUE and the append-only ledger."""

import pytest
from django.db import IntegrityError, connection, transaction

from inventory.models import Stock, StockMove
from inventory.services import stock_receive

pytestmark = pytest.mark.django_db


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE inventory_stock SET on_hand = -1, reserved = 0 WHERE id = %s",
        "UPDATE inventory_stock SET reserved = on_hand + 1 WHERE id = %s",
        "UPDATE inventory_stock SET reserved = -1 WHERE id = %s",
    ],
    ids=["negative-on-hand", "reserved-above-on-hand", "negative-reserved"],
)
def test_raw_sql_breaking_a_stock_invariant_raises_integrity_error(product, shelf, sql):
    stock = stock_receive(product=product, location=shelf, quantity=5)
    with pytest.raises(IntegrityError):
        _raw(sql, [stock.pk])
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (5, 0)


def test_a_second_row_for_the_same_key_is_refused_even_without_a_lot(product, shelf):
    stock = stock_receive(product=product, location=shelf, quantity=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.create(
            product=product,
            location=shelf,
            lot=None,
            condition="good",
            received_at=stock.received_at,
        )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE inventory_stockmove SET quantity = 99 WHERE id = %s",
        "DELETE FROM inventory_stockmove WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_the_ledger_refuses_updates_and_deletes(product, shelf, sql):
    stock_receive(product=product, location=shelf, quantity=5)
    move = StockMove.objects.get()
    with pytest.raises(IntegrityError):
        _raw(sql, [move.pk])
    with pytest.raises(ValueError):
        move.save()
    with pytest.raises(ValueError):
        move.delete()
    assert StockMove.objects.get().quantity == 5
