"""Purchasing reads: purchase orders and units on order (purchase_orders.py), supplier
performance (performance.py), supplier options and cost advice (suppliers.py), reorder
suggestions (reorder.py)."""

from purchasing.selectors.inbound import (
    InboundArrival,
    SupplierLateness,
    purchase_inbound_arrivals,
    supplier_lateness,
)
from purchasing.selectors.performance import (
    SupplierPerformance,
    supplier_performance,
    suppliers_performance,
)
from purchasing.selectors.purchase_orders import (
    ON_ORDER_STATES,
    OPEN_STATES,
    PENDING_STATES,
    purchase_on_order_quantities,
    purchase_on_order_quantity,
    purchase_order_authored_q,
    purchase_order_detail,
    purchase_order_line_for_code,
    purchase_order_list,
    purchase_order_user_part,
    purchase_orders_awaiting_approval,
)
from purchasing.selectors.reorder import (
    ReorderSuggestion,
    reorder_quantity,
    reorder_suggestions,
    supplier_product_choice,
)
from purchasing.selectors.suppliers import (
    LineCostAdvice,
    PriceComparison,
    SupplierOption,
    product_supplier_options,
    purchase_order_cost_advice,
    supplier_options_by_product,
    supplier_price_comparison,
)

__all__ = [
    "ON_ORDER_STATES",
    "OPEN_STATES",
    "PENDING_STATES",
    "InboundArrival",
    "LineCostAdvice",
    "PriceComparison",
    "ReorderSuggestion",
    "SupplierLateness",
    "SupplierOption",
    "SupplierPerformance",
    "product_supplier_options",
    "purchase_inbound_arrivals",
    "purchase_on_order_quantities",
    "purchase_on_order_quantity",
    "purchase_order_authored_q",
    "purchase_order_cost_advice",
    "purchase_order_detail",
    "purchase_order_line_for_code",
    "purchase_order_list",
    "purchase_order_user_part",
    "purchase_orders_awaiting_approval",
    "reorder_quantity",
    "reorder_suggestions",
    "supplier_lateness",
    "supplier_options_by_product",
    "supplier_performance",
    "supplier_price_comparison",
    "supplier_product_choice",
    "suppliers_performance",
]
