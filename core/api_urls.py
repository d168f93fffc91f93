from django.urls import include, path

from core import apis

urlpatterns = [
    path("me/", apis.WhoAmIApi.as_view(), name="api-me"),
]

# Partner integration (issue 10): API keys, webhook endpoints, delivery log.
urlpatterns += [path("", include("core.portal.api_urls"))]
