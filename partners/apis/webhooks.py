"""Partner-facing API for webhook endpoints and the delivery log (/api/v1/, `webhooks:manage`)."""

from __future__ import annotations

import json
from datetime import timedelta

import django_filters
from django.db.models import OuterRef
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from core.idempotency import idempotent
from core.output import (
    FastOutputMixin,
    Prerendered,
    PrerenderedJSONRenderer,
    json_array,
    json_array_times,
)
from core.serializer_fields import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictRegexField,
)
from partners import selectors
from partners.apis.base import PartnerApi, PartnerListApi
from partners.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from partners.services.webhooks.delivery import webhook_delivery_replay, webhook_endpoint_send_test
from partners.services.webhooks.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)
from partners.services.webhooks.signing import event_body

EVENT_TYPE_PATTERN = r"^[a-z0-9_]+(\.[a-z0-9_]+)*$"
URL_PATTERN = r"^https?://\S+$"
URL_HELP = "An http(s) URL whose host resolves only to public addresses (else 422)."


class EndpointOutput(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    url = serializers.URLField()
    description = serializers.CharField()
    event_types = serializers.ListField(
        child=serializers.CharField(), help_text="Event types delivered; empty means all."
    )
    is_active = serializers.BooleanField()
    disabled_reason = serializers.CharField()
    disabled_at = serializers.DateTimeField(allow_null=True)
    previous_secret_expires_at = serializers.DateTimeField(
        allow_null=True, help_text="While set and in the future, the old secret signs too."
    )
    consecutive_failures = serializers.IntegerField()
    failing_since = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class EndpointWithSecretOutput(EndpointOutput):
    secret = serializers.CharField(help_text="`whsec_…` signing secret. Shown once.")


_EVENT_TYPES = serializers.ListField(
    child=StrictRegexField(EVENT_TYPE_PATTERN, max_length=100),
    required=False,
    max_length=50,
    help_text="Dotted lower-case event types such as `order.created`; empty = all events.",
)


ORDER_EVENTS_ENDPOINT = OpenApiExample(
    "Order events",
    value={
        "url": "https://shop.example.com/hooks/waybill",
        "event_types": ["order.created", "order.delivered"],
    },
    request_only=True,
)


class EndpointCollectionApi(PartnerListApi):
    """List the partner's webhook endpoints, or register one (the secret is shown once)."""

    serializer_class = EndpointOutput
    queryset = WebhookEndpoint.objects.none()

    class InputSerializer(serializers.Serializer):
        url = StrictRegexField(URL_PATTERN, max_length=2000, help_text=URL_HELP)
        description = StrictCharField(max_length=200, required=False, allow_blank=True)
        event_types = _EVENT_TYPES

    def get_queryset(self):
        return selectors.partner_webhook_endpoints(partner=self.partner)

    @extend_schema(
        operation_id="webhook_endpoints_create",
        request=InputSerializer,
        responses={201: EndpointWithSecretOutput},
        examples=[ORDER_EVENTS_ENDPOINT],
    )
    @idempotent
    def post(self, request):
        endpoint, _secret = webhook_endpoint_create(
            partner=self.partner, actor=request.user.api_key, **self.validated_input()
        )
        return Response(EndpointWithSecretOutput(endpoint).data, status=status.HTTP_201_CREATED)


class _EndpointLookup(PartnerApi):
    def _get(self, endpoint_id):
        return get_object_or_404(
            selectors.partner_webhook_endpoints(partner=self.partner), public_id=endpoint_id
        )


class EndpointDetailApi(_EndpointLookup):
    class InputSerializer(serializers.Serializer):
        url = StrictRegexField(URL_PATTERN, max_length=2000, required=False, help_text=URL_HELP)
        description = StrictCharField(max_length=200, required=False, allow_blank=True)
        event_types = _EVENT_TYPES
        is_active = StrictBooleanField(
            required=False, help_text="false disables; true re-enables and clears the failures."
        )

    @extend_schema(operation_id="webhook_endpoints_retrieve", responses=EndpointOutput)
    def get(self, request, endpoint_id):
        return Response(EndpointOutput(self._get(endpoint_id)).data)

    @extend_schema(
        operation_id="webhook_endpoints_update", request=InputSerializer, responses=EndpointOutput
    )
    def patch(self, request, endpoint_id):
        endpoint = self._get(endpoint_id)
        endpoint = webhook_endpoint_update(
            endpoint=endpoint, actor=request.user.api_key, **self.validated_input(partial=True)
        )
        return Response(EndpointOutput(endpoint).data)

    @extend_schema(operation_id="webhook_endpoints_destroy", responses={204: None})
    def delete(self, request, endpoint_id):
        webhook_endpoint_delete(endpoint=self._get(endpoint_id), actor=request.user.api_key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointRotateSecretApi(_EndpointLookup):
    class InputSerializer(serializers.Serializer):
        overlap_hours = StrictIntegerField(
            min_value=0,
            max_value=168,
            required=False,
            help_text="How long the old secret keeps signing too (default 24).",
        )

    @extend_schema(
        operation_id="webhook_endpoints_rotate_secret",
        request=InputSerializer,
        responses=EndpointWithSecretOutput,
    )
    def post(self, request, endpoint_id):
        """New signing secret; the old one also signs for the overlap (two signatures)."""
        endpoint = self._get(endpoint_id)
        hours = self.validated_input().get("overlap_hours")
        endpoint, _secret = webhook_endpoint_rotate_secret(
            endpoint=endpoint,
            overlap=None if hours is None else timedelta(hours=hours),
            actor=request.user.api_key,
        )
        return Response(EndpointWithSecretOutput(endpoint).data)


# --- deliveries ---------------------------------------------------------------------------------


class DeliveryAttemptOutput(FastOutputMixin, serializers.Serializer):
    number = serializers.IntegerField()
    url = serializers.CharField()
    started_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()
    request_headers = serializers.DictField(child=serializers.CharField())
    response_status = serializers.IntegerField(allow_null=True)
    response_body = serializers.CharField(help_text="First 4 KiB of the response body.")
    error = serializers.CharField()
    is_manual = serializers.BooleanField()


# Every attempt field the API prints is a column of the same name.
_ATTEMPT_COLUMNS = list(DeliveryAttemptOutput._declared_fields)


class DeliveryOutput(FastOutputMixin, serializers.Serializer):
    id = serializers.CharField(source="msg_id", help_text="The `webhook-id` header value.")
    endpoint = serializers.CharField(source="endpoint.public_id")
    event_type = serializers.CharField(source="event.type")
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices)
    attempts_count = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()


class DeliveryDetailOutput(DeliveryOutput):
    payload = serializers.SerializerMethodField(
        help_text="The JSON body `{type, timestamp, data}`."
    )
    attempts = serializers.SerializerMethodField()

    def get_payload(self, delivery) -> dict:
        return json.loads(event_body(delivery.event))

    @extend_schema_field(DeliveryAttemptOutput(many=True))
    def get_attempts(self, delivery) -> list[dict]:
        rows = getattr(delivery, "attempt_rows", None)  # read with the delivery (_DeliveryLookup)
        if rows is None:
            rows = selectors.delivery_attempts(delivery=delivery)
        return DeliveryAttemptOutput(rows, many=True).data


class DeliveryFilter(django_filters.FilterSet):
    endpoint = django_filters.CharFilter(field_name="endpoint__public_id")
    status = django_filters.ChoiceFilter(choices=WebhookDelivery.Status.choices)
    event_type = django_filters.CharFilter(field_name="event__type")

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "event_type"]


class DeliveryListApi(PartnerListApi):
    """The delivery log: one row per event and endpoint, newest first."""

    serializer_class = DeliveryOutput
    queryset = WebhookDelivery.objects.none()
    filterset_class = DeliveryFilter

    def get_queryset(self):
        # A row prints its endpoint's id and event's type: not the endpoint's secrets or the
        # event's payload (a JSON document decoded per row).
        return selectors.partner_webhook_deliveries(partner=self.partner).only(
            *(f.name for f in WebhookDelivery._meta.concrete_fields),
            "endpoint__public_id",
            "event__type",
        )


class _DeliveryLookup(PartnerApi):
    def _get(self, delivery_id):
        return get_object_or_404(
            selectors.partner_webhook_deliveries(partner=self.partner), msg_id=delivery_id
        )


class DeliveryDetailApi(_DeliveryLookup):
    # The delivery usually arrives as JSON text (partner_webhook_delivery_json prints
    # DeliveryDetailOutput's output).
    renderer_classes = [PrerenderedJSONRenderer]

    @extend_schema(operation_id="webhook_deliveries_retrieve", responses=DeliveryDetailOutput)
    def get(self, request, delivery_id):
        doc = selectors.partner_webhook_delivery_json(partner=self.partner, msg_id=delivery_id)
        if doc is not None:
            return Response(Prerendered(doc))
        # Not found (the 404 below), or headers only the serializer prints: the attempts come
        # in the delivery's own query (one round trip, not two).
        deliveries = selectors.partner_webhook_deliveries(partner=self.partner).annotate(
            attempt_rows=json_array(
                WebhookAttempt.objects.filter(delivery=OuterRef("pk")).order_by("number"),
                **{name: name for name in _ATTEMPT_COLUMNS},
            )
        )
        delivery = get_object_or_404(deliveries, msg_id=delivery_id)
        json_array_times(delivery.attempt_rows, "started_at")
        return Response(DeliveryDetailOutput(delivery).data)


class DeliveryReplayApi(_DeliveryLookup):
    @extend_schema(
        operation_id="webhook_deliveries_replay", request=None, responses={202: DeliveryOutput}
    )
    def post(self, request, delivery_id):
        """Send again now: same `webhook-id`, fresh timestamp and signature."""
        delivery = webhook_delivery_replay(delivery=self._get(delivery_id))
        return Response(DeliveryOutput(delivery).data, status=status.HTTP_202_ACCEPTED)


class EndpointTestApi(_EndpointLookup):
    @extend_schema(
        operation_id="webhook_endpoints_test", request=None, responses={202: DeliveryOutput}
    )
    def post(self, request, endpoint_id):
        """Queue a `webhook.test` event to this endpoint only."""
        delivery = webhook_endpoint_send_test(endpoint=self._get(endpoint_id))
        return Response(DeliveryOutput(delivery).data, status=status.HTTP_202_ACCEPTED)
