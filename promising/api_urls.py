from django.urls import path

from promising import apis

urlpatterns = [
    path("delivery-options/", apis.DeliveryOptionsApi.as_view(), name="api-delivery-options"),
    path(
        "delivery-options/reservations/<str:reference>/",
        apis.DeliveryOptionReservationApi.as_view(),
        name="api-delivery-option-reservation",
    ),
    path(
        "delivery-options/<str:option_id>/reserve/",
        apis.DeliveryOptionReserveApi.as_view(),
        name="api-delivery-option-reserve",
    ),
]
