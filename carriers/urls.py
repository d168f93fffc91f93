from django.urls import path

from carriers import views

app_name = "carriers"

urlpatterns = [
    path("", views.CarrierListView.as_view(), name="carrier-list"),
    path("new/", views.CarrierEditView.as_view(), name="carrier-create"),
    path("<slug:code>/edit/", views.CarrierEditView.as_view(), name="carrier-edit"),
    path("orders/<str:reference>/", views.OrderCompareView.as_view(), name="order-compare"),
    path("plans/<str:reference>/", views.PlanCompareView.as_view(), name="plan-compare"),
    path(
        "shipments/<str:tracking_number>/label.pdf",
        views.ShipmentLabelView.as_view(),
        name="shipment-label",
    ),
    path(
        "shipments/<str:tracking_number>/cancel/",
        views.ShipmentCancelView.as_view(),
        name="shipment-cancel",
    ),
]
