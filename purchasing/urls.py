"""Purchasing pages, mounted at /orders/purchasing/ by config/urls.py (the paths they always
had), namespace `purchasing`."""

from django.urls import path, re_path

from purchasing import views as v

app_name = "purchasing"

PO = r"(?P<reference>PO-\d{4}-\d{4,})"

urlpatterns = [
    path("", v.PurchaseOrderListView.as_view(), name="po-list"),
    path("new/", v.PurchaseOrderCreateView.as_view(), name="po-create"),
    path("approvals/", v.ApprovalInboxView.as_view(), name="approvals"),
    path("suppliers/", v.SupplierListView.as_view(), name="suppliers"),
    path("suppliers/<str:code>/", v.SupplierDetailView.as_view(), name="supplier-detail"),
    path("reorder/", v.ReorderView.as_view(), name="reorder"),
    re_path(rf"^{PO}/$", v.PurchaseOrderDetailView.as_view(), name="po-detail"),
    re_path(rf"^{PO}/edit/$", v.PurchaseOrderEditView.as_view(), name="po-edit"),
    re_path(rf"^{PO}/receive/$", v.PurchaseOrderReceiveView.as_view(), name="po-receive"),
    re_path(rf"^{PO}/print/$", v.PurchaseOrderPrintView.as_view(), name="po-print"),
    re_path(rf"^{PO}/(?P<action>[a-z]+)/$", v.PurchaseOrderActionView.as_view(), name="po-action"),
]
