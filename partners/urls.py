from django.urls import include, path

from partners.views import portal, staff

# Staff partner management (admin role).
urlpatterns = [
    path("partners/", staff.PartnerListView.as_view(), name="partners"),
    path("partners/new/", staff.PartnerCreateView.as_view(), name="partner-create"),
    path("partners/<int:pk>/", staff.PartnerManageView.as_view(), name="partner-manage"),
    path("partners/keys/<int:pk>/revoke/", staff.ApiKeyRevokeView.as_view(), name="api-key-revoke"),
    path("partners/keys/<int:pk>/scopes/", staff.ApiKeyScopesView.as_view(), name="api-key-scopes"),
    path("partners/audit/", staff.AuditLogView.as_view(), name="partner-audit"),
]

# The partner portal, for users with a PartnerMembership.
portal_urlpatterns = [
    path("", portal.PortalHomeView.as_view(), name="home"),
    path("keys/", portal.PortalKeysView.as_view(), name="keys"),
    path("keys/<str:prefix>/revoke/", portal.PortalKeyRevokeView.as_view(), name="key-revoke"),
    path("webhooks/", portal.PortalEndpointsView.as_view(), name="endpoints"),
    path("webhooks/<str:public_id>/", portal.PortalEndpointDetailView.as_view(), name="endpoint"),
    path("deliveries/", portal.PortalDeliveriesView.as_view(), name="deliveries"),
    path("deliveries/<str:msg_id>/", portal.PortalDeliveryDetailView.as_view(), name="delivery"),
    path("usage/", portal.PortalUsageView.as_view(), name="usage"),
]
urlpatterns += [path("portal/", include((portal_urlpatterns, "portal")))]
