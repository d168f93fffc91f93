"""Purchasing writes. Every state change of suppliers' prices, purchase orders and receipts goes
through these functions (each docstring states the rule it enforces):

supplier_product_set (suppliers.py); purchase_order_create, purchase_order_amend (lifecycle.py);
purchase_order_submit, purchase_order_approve, purchase_order_reject (approval.py);
purchase_order_send, purchase_order_confirm, purchase_order_cancel, purchase_order_close
(sending.py); purchase_order_receive (receiving.py); reorder_purchase_orders_create,
reorder_digest_send (reorder.py); purchase_order_supplier_email (emails.py).
"""

from purchasing.services.approval import (
    purchase_order_approve,
    purchase_order_reject,
    purchase_order_submit,
)
from purchasing.services.common import TRANSITIONS, PurchaseForbidden
from purchasing.services.emails import purchase_order_supplier_email
from purchasing.services.lifecycle import purchase_order_amend, purchase_order_create
from purchasing.services.receiving import purchase_order_receive
from purchasing.services.reorder import reorder_digest_send, reorder_purchase_orders_create
from purchasing.services.sending import (
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_confirm,
    purchase_order_send,
)
from purchasing.services.suppliers import supplier_product_set

__all__ = [
    "TRANSITIONS",
    "PurchaseForbidden",
    "purchase_order_amend",
    "purchase_order_approve",
    "purchase_order_cancel",
    "purchase_order_close",
    "purchase_order_confirm",
    "purchase_order_create",
    "purchase_order_receive",
    "purchase_order_reject",
    "purchase_order_send",
    "purchase_order_submit",
    "purchase_order_supplier_email",
    "reorder_digest_send",
    "reorder_purchase_orders_create",
    "supplier_product_set",
]
