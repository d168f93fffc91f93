"""Consistency checks between stock counters, the ledger and reservations."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from inventory.models import Reservation, Stock, StockMove

_STOCK = Stock._meta.db_table
_MOVE = StockMove._meta.db_table
_RESERVATION = Reservation._meta.db_table

# One pass over the ledger and one over reservations, joined to every stock row.
_DRIFT_SQL = f"""
WITH ledger AS (
    SELECT stock_id, SUM(qty) AS total FROM (
        SELECT to_stock_id AS stock_id, quantity AS qty FROM {_MOVE} WHERE to_stock_id IS NOT NULL
        UNION ALL
        SELECT from_stock_id, -quantity FROM {_MOVE} WHERE from_stock_id IS NOT NULL
    ) AS sides GROUP BY stock_id
), held AS (
    SELECT stock_id, SUM(quantity) AS total FROM {_RESERVATION}
    WHERE state IN ('reserved', 'picked') GROUP BY stock_id
)
SELECT s.id, s.on_hand, COALESCE(l.total, 0), s.reserved, COALESCE(h.total, 0)
FROM {_STOCK} s
LEFT JOIN ledger l ON l.stock_id = s.id
LEFT JOIN held h ON h.stock_id = s.id
WHERE s.on_hand <> COALESCE(l.total, 0) OR s.reserved <> COALESCE(h.total, 0)
ORDER BY s.id
"""  # noqa: S608 (table names from model metadata, no user input)


@dataclass(frozen=True)
class StockDrift:
    stock_id: int
    on_hand: int
    ledger_on_hand: int
    reserved: int
    reservations_reserved: int

    @property
    def on_hand_drift(self) -> int:
        return self.on_hand - self.ledger_on_hand

    @property
    def reserved_drift(self) -> int:
        return self.reserved - self.reservations_reserved


def stock_drift() -> list[StockDrift]:
    """Stock rows whose on_hand differs from the sum of their ledger moves, or whose reserved
    counter differs from their active reservations. Empty when everything agrees."""
    with connection.cursor() as cursor:
        cursor.execute(_DRIFT_SQL)
        return [StockDrift(*map(int, row)) for row in cursor.fetchall()]
