"""Physical stock changes: receive, return, transfer, adjust, count, condition change, scrap.

Each function validates its input (ValidationFailed 422 naming the field, InsufficientStock 409),
locks the stock rows it touches in pk order, changes them with conditional F() updates and
writes one ledger row per change, all in one transaction. Reserved units are never moved,
adjusted away or scrapped: only `on_hand - reserved` can leave a row here.

intake.py: receipts and returns; moves.py: transfers, re-grading, expiry; corrections.py:
adjustments, cycle counts, scrapping.
"""

from inventory.services.stock.corrections import (
    stock_adjust,
    stock_count,
    stock_row_ensure,
    stock_scrap,
)
from inventory.services.stock.intake import stock_receive, stock_return
from inventory.services.stock.moves import (
    stock_condition_change,
    stock_expire_due,
    stock_transfer,
)

__all__ = [
    "stock_adjust",
    "stock_condition_change",
    "stock_count",
    "stock_expire_due",
    "stock_receive",
    "stock_return",
    "stock_row_ensure",
    "stock_scrap",
    "stock_transfer",
]
