from django.urls import path

from orders.apis import imports as import_api
from orders.apis import orders as api
from orders.apis import returns as returns_api

urlpatterns = [
    path("orders/", api.OrderListCreateApi.as_view(), name="api-orders"),
    path("orders/import/", import_api.OrderImportApi.as_view(), name="api-orders-import"),
    path(
        "orders/import/runs/<str:run_id>/",
        import_api.OrderImportRunApi.as_view(),
        name="api-orders-import-run",
    ),
    path("orders/<str:reference>/", api.OrderDetailApi.as_view(), name="api-order"),
    path(
        "orders/<str:reference>/confirm/",
        api.OrderConfirmApi.as_view(),
        name="api-order-confirm",
    ),
    path("orders/<str:reference>/cancel/", api.OrderCancelApi.as_view(), name="api-order-cancel"),
    path(
        "orders/<str:reference>/reschedule/",
        api.OrderRescheduleApi.as_view(),
        name="api-order-reschedule",
    ),
    path("returns/", returns_api.ReturnListCreateApi.as_view(), name="api-returns"),
    path("returns/<str:reference>/", returns_api.ReturnDetailApi.as_view(), name="api-return"),
    path(
        "returns/<str:reference>/receive/",
        returns_api.ReturnReceiveApi.as_view(),
        name="api-return-receive",
    ),
    path(
        "returns/<str:reference>/reject/",
        returns_api.ReturnRejectApi.as_view(),
        name="api-return-reject",
    ),
]
