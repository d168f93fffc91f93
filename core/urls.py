from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import health, views
from core.portal import staff as partner_staff

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("partners/", views.PartnerListView.as_view(), name="partners"),
    path("partners/keys/<int:pk>/revoke/", views.ApiKeyRevokeView.as_view(), name="api-key-revoke"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

# Partner integration (issue 10): staff partner management and the partner portal.
urlpatterns += [
    path("partners/new/", partner_staff.PartnerCreateView.as_view(), name="partner-create"),
    path("partners/<int:pk>/", partner_staff.PartnerManageView.as_view(), name="partner-manage"),
    path(
        "partners/keys/<int:pk>/scopes/",
        partner_staff.ApiKeyScopesView.as_view(),
        name="api-key-scopes",
    ),
    path("portal/", include("core.portal.urls")),
]
