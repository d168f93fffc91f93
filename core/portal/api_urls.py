from django.urls import path

from core.portal import apis

urlpatterns = [
    path("api-keys/", apis.ApiKeyCollectionApi.as_view(), name="api-keys"),
    path("api-keys/<str:key_id>/", apis.ApiKeyDetailApi.as_view(), name="api-key-detail"),
    path(
        "api-keys/<str:key_id>/revoke/", apis.ApiKeyRevokeApi.as_view(), name="api-key-revoke-api"
    ),
    path("webhook-endpoints/", apis.EndpointCollectionApi.as_view(), name="webhook-endpoints"),
    path(
        "webhook-endpoints/<str:endpoint_id>/",
        apis.EndpointDetailApi.as_view(),
        name="webhook-endpoint-detail",
    ),
    path(
        "webhook-endpoints/<str:endpoint_id>/rotate-secret/",
        apis.EndpointRotateSecretApi.as_view(),
        name="webhook-endpoint-rotate-secret",
    ),
    path(
        "webhook-endpoints/<str:endpoint_id>/test/",
        apis.EndpointTestApi.as_view(),
        name="webhook-endpoint-test",
    ),
    path("webhook-deliveries/", apis.DeliveryListApi.as_view(), name="webhook-deliveries"),
    path(
        "webhook-deliveries/<str:delivery_id>/",
        apis.DeliveryDetailApi.as_view(),
        name="webhook-delivery-detail",
    ),
    path(
        "webhook-deliveries/<str:delivery_id>/replay/",
        apis.DeliveryReplayApi.as_view(),
        name="webhook-delivery-replay",
    ),
]
