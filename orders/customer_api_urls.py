from django.urls import path

from orders.apis import customer as api

urlpatterns = [
    path("orders/", api.OrderListCreateApi.as_view(), name="api-orders"),
    path("orders/import/", api.OrderImportApi.as_view(), name="api-orders-import"),
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
    path("returns/", api.ReturnListCreateApi.as_view(), name="api-returns"),
    path("returns/<str:reference>/", api.ReturnDetailApi.as_view(), name="api-return"),
    path(
        "returns/<str:reference>/receive/",
        api.ReturnReceiveApi.as_view(),
        name="api-return-receive",
    ),
    path(
        "returns/<str:reference>/reject/", api.ReturnRejectApi.as_view(), name="api-return-reject"
    ),
]
