from django.urls import path

from core import apis

urlpatterns = [
    path("me/", apis.WhoAmIApi.as_view(), name="api-me"),
]
