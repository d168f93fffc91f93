from django.urls import path

from partners.apis import api_keys, webhooks

urlpatterns = [
    path("api-keys/", api_keys.ApiKeyCollectionApi.as_view(), name="api-keys"),
    path("api-keys/<str:key_id>/", api_keys.ApiKeyDetailApi.as_view(), name="api-key-detail"),
    path(
        "api-keys/<str:key_id>/revoke/",
        api_keys.ApiKeyRevokeApi.as_view(),
        name="api-key-revoke-api",
    ),
    path("webhook-endpoints/", webhooks.EndpointCollectionApi.as_view(), name="webhook-endpoints"),
    path(
        "webhook-endpoints/<str:endpoint_id>/",
        webhooks.EndpointDetailApi.as_view(),
        name="webhook-endpoint-detail",
    ),
    path(
        "webhook-endpoints/<str:endpoint_id>/rotate-secret/",
        webhooks.EndpointRotateSecretApi.as_view(),
        name="webhook-endpoint-rotate-secret",
    ),
    path(
        "webhook-endpoints/<str:endpoint_id>/test/",
        webhooks.EndpointTestApi.as_view(),
        name="webhook-endpoint-test",
    ),
    path("webhook-deliveries/", webhooks.DeliveryListApi.as_view(), name="webhook-deliveries"),
    path(
        "webhook-deliveries/<str:delivery_id>/",
        webhooks.DeliveryDetailApi.as_view(),
        name="webhook-delivery-detail",
    ),
    path(
        "webhook-deliveries/<str:delivery_id>/replay/",
        webhooks.DeliveryReplayApi.as_view(),
        name="webhook-delivery-replay",
    ),
]
