"""Purchasing writes. Every state change of suppliers' prices, purchase orders and receipts goes
through these functions (each docstring states the rule it enforces):

supplier_product_set, purchase_order_create, purchase_order_amend, purchase_order_submit,
purchase_order_approve, purchase_order_reject, purchase_order_send, purchase_order_confirm,
purchase_order_cancel, purchase_order_close, purchase_order_receive,
reorder_purchase_orders_create, reorder_digest_send, purchase_order_supplier_email.
"""

from orders.services.purchasing.common import (  # noqa: F401
    TRANSITIONS,
    PurchaseForbidden,
)
from orders.services.purchasing.emails import purchase_order_supplier_email  # noqa: F401
from orders.services.purchasing.lifecycle import (  # noqa: F401
    purchase_order_amend,
    purchase_order_approve,
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_confirm,
    purchase_order_create,
    purchase_order_reject,
    purchase_order_send,
    purchase_order_submit,
    supplier_product_set,
)
from orders.services.purchasing.receiving import purchase_order_receive  # noqa: F401
from orders.services.purchasing.reorder import (  # noqa: F401
    reorder_digest_send,
    reorder_purchase_orders_create,
)
