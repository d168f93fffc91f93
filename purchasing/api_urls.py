"""Purchasing API routes, included under /api/v1/ by config/urls.py."""

from django.urls import path

from purchasing.apis import actions, purchase_orders, reorder, suppliers

urlpatterns = [
    path("suppliers/", suppliers.SupplierListCreateApi.as_view(), name="api-suppliers"),
    path("suppliers/<str:code>/", suppliers.SupplierDetailApi.as_view(), name="api-supplier"),
    path(
        "suppliers/<str:code>/products/",
        suppliers.SupplierProductsApi.as_view(),
        name="api-supplier-products",
    ),
    path(
        "suppliers/<str:code>/performance/",
        suppliers.SupplierPerformanceApi.as_view(),
        name="api-supplier-performance",
    ),
    path(
        "purchase-orders/",
        purchase_orders.PurchaseOrderListCreateApi.as_view(),
        name="api-purchase-orders",
    ),
    path(
        "purchase-orders/<str:reference>/",
        purchase_orders.PurchaseOrderDetailApi.as_view(),
        name="api-purchase-order",
    ),
    path(
        "purchase-orders/<str:reference>/submit/",
        actions.PurchaseOrderSubmitApi.as_view(),
        name="api-purchase-order-submit",
    ),
    path(
        "purchase-orders/<str:reference>/approve/",
        actions.PurchaseOrderApproveApi.as_view(),
        name="api-purchase-order-approve",
    ),
    path(
        "purchase-orders/<str:reference>/reject/",
        actions.PurchaseOrderRejectApi.as_view(),
        name="api-purchase-order-reject",
    ),
    path(
        "purchase-orders/<str:reference>/send/",
        actions.PurchaseOrderSendApi.as_view(),
        name="api-purchase-order-send",
    ),
    path(
        "purchase-orders/<str:reference>/confirm/",
        actions.PurchaseOrderConfirmApi.as_view(),
        name="api-purchase-order-confirm",
    ),
    path(
        "purchase-orders/<str:reference>/amend/",
        actions.PurchaseOrderAmendApi.as_view(),
        name="api-purchase-order-amend",
    ),
    path(
        "purchase-orders/<str:reference>/cancel/",
        actions.PurchaseOrderCancelApi.as_view(),
        name="api-purchase-order-cancel",
    ),
    path(
        "purchase-orders/<str:reference>/receive/",
        actions.PurchaseOrderReceiveApi.as_view(),
        name="api-purchase-order-receive",
    ),
    path(
        "purchase-orders/<str:reference>/close/",
        actions.PurchaseOrderCloseApi.as_view(),
        name="api-purchase-order-close",
    ),
    path(
        "reorder-suggestions/",
        reorder.ReorderSuggestionsApi.as_view(),
        name="api-reorder-suggestions",
    ),
    path(
        "reorder-suggestions/create-orders/",
        reorder.ReorderCreateOrdersApi.as_view(),
        name="api-reorder-create-orders",
    ),
]
