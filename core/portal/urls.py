from django.urls import path

from core.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.PortalHomeView.as_view(), name="home"),
    path("keys/", views.PortalKeysView.as_view(), name="keys"),
    path("keys/<str:prefix>/revoke/", views.PortalKeyRevokeView.as_view(), name="key-revoke"),
    path("webhooks/", views.PortalEndpointsView.as_view(), name="endpoints"),
    path("webhooks/<str:public_id>/", views.PortalEndpointDetailView.as_view(), name="endpoint"),
    path("deliveries/", views.PortalDeliveriesView.as_view(), name="deliveries"),
    path("deliveries/<str:msg_id>/", views.PortalDeliveryDetailView.as_view(), name="delivery"),
    path("usage/", views.PortalUsageView.as_view(), name="usage"),
]
