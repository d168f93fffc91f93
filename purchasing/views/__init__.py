"""Purchasing pages: purchase orders (purchase_orders.py), receiving (receiving.py), the
approval inbox (approvals.py), suppliers (suppliers.py), reorder suggestions (reorder.py)."""

from purchasing.views.approvals import ApprovalInboxView
from purchasing.views.purchase_orders import (
    PurchaseOrderActionView,
    PurchaseOrderCreateView,
    PurchaseOrderDetailView,
    PurchaseOrderEditView,
    PurchaseOrderListView,
    PurchaseOrderPrintView,
)
from purchasing.views.receiving import PurchaseOrderReceiveView
from purchasing.views.reorder import ReorderView
from purchasing.views.suppliers import SupplierDetailView, SupplierListView

__all__ = [
    "ApprovalInboxView",
    "PurchaseOrderActionView",
    "PurchaseOrderCreateView",
    "PurchaseOrderDetailView",
    "PurchaseOrderEditView",
    "PurchaseOrderListView",
    "PurchaseOrderPrintView",
    "PurchaseOrderReceiveView",
    "ReorderView",
    "SupplierDetailView",
    "SupplierListView",
]
