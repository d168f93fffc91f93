"""Purchasing API routes, included under /api/v1/ by orders/api_urls.py."""

from django.urls import path

from orders.apis import purchasing as api

urlpatterns = [
    path("suppliers/", api.SupplierListCreateApi.as_view(), name="api-suppliers"),
    path("suppliers/<str:code>/", api.SupplierDetailApi.as_view(), name="api-supplier"),
    path(
        "suppliers/<str:code>/products/",
        api.SupplierProductsApi.as_view(),
        name="api-supplier-products",
    ),
    path(
        "suppliers/<str:code>/performance/",
        api.SupplierPerformanceApi.as_view(),
        name="api-supplier-performance",
    ),
    path("purchase-orders/", api.PurchaseOrderListCreateApi.as_view(), name="api-purchase-orders"),
    path(
        "purchase-orders/<str:reference>/",
        api.PurchaseOrderDetailApi.as_view(),
        name="api-purchase-order",
    ),
    *[
        path(
            f"purchase-orders/<str:reference>/{action}/",
            getattr(api, f"PurchaseOrder{action.title()}Api").as_view(),
            name=f"api-purchase-order-{action}",
        )
        for action in (
            "submit",
            "approve",
            "reject",
            "send",
            "confirm",
            "amend",
            "cancel",
            "receive",
            "close",
        )
    ],
    path(
        "reorder-suggestions/", api.ReorderSuggestionsApi.as_view(), name="api-reorder-suggestions"
    ),
    path(
        "reorder-suggestions/create-orders/",
        api.ReorderCreateOrdersApi.as_view(),
        name="api-reorder-create-orders",
    ),
]
