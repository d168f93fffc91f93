"""Partner-facing API for the partner's own API keys (/api/v1/api-keys/, `webhooks:manage`)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from core.idempotency import idempotent
from core.serializer_fields import StrictCharField
from partners import selectors
from partners.apis.base import PartnerApi, PartnerListApi
from partners.models import ApiKey
from partners.services.api_keys import api_key_revoke, partner_api_key_create


class ApiKeyOutput(serializers.Serializer):
    id = serializers.CharField(source="prefix", help_text="The key's public id (its prefix).")
    name = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    status = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)

    def get_status(self, key) -> str:
        if key.revoked_at:
            return "revoked"
        if key.expires_at and key.expires_at <= timezone.now():
            return "expired"
        return "active"


class ApiKeyCreatedOutput(ApiKeyOutput):
    key = serializers.CharField(help_text="The secret key. Shown once: store it now.")


READ_ONLY_KEY = OpenApiExample(
    "Read-only key", value={"name": "Reporting", "scopes": ["orders:read"]}, request_only=True
)


class ApiKeyCollectionApi(PartnerListApi):
    """List the partner's API keys, or create one (the secret is in this response only)."""

    serializer_class = ApiKeyOutput
    queryset = ApiKey.objects.none()  # for the schema; requests use get_queryset()

    class InputSerializer(serializers.Serializer):
        name = StrictCharField(max_length=100)
        scopes = serializers.ListField(
            child=serializers.ChoiceField(choices=ApiKey.Scope.choices), allow_empty=True
        )
        expires_at = serializers.DateTimeField(required=False, allow_null=True)

    def get_queryset(self):
        return selectors.partner_api_keys(partner=self.partner)

    @extend_schema(
        operation_id="api_keys_create",
        request=InputSerializer,
        responses={201: ApiKeyCreatedOutput},
        examples=[READ_ONLY_KEY],
    )
    @idempotent
    def post(self, request):
        key, raw = partner_api_key_create(
            partner=self.partner,
            caller_scopes=request.user.api_key.scopes,
            actor=request.user.api_key,
            **self.validated_input(),
        )
        key.key = raw
        return Response(ApiKeyCreatedOutput(key).data, status=status.HTTP_201_CREATED)


class _ApiKeyLookup(PartnerApi):
    def _get(self, key_id):
        return get_object_or_404(selectors.partner_api_keys(partner=self.partner), prefix=key_id)


class ApiKeyDetailApi(_ApiKeyLookup):
    @extend_schema(operation_id="api_keys_retrieve", responses=ApiKeyOutput)
    def get(self, request, key_id):
        return Response(ApiKeyOutput(self._get(key_id)).data)


class ApiKeyRevokeApi(_ApiKeyLookup):
    @extend_schema(operation_id="api_keys_revoke", request=None, responses=ApiKeyOutput)
    def post(self, request, key_id):
        """Revoke a key at once (idempotent: revoking twice keeps the first time)."""
        key = api_key_revoke(api_key=self._get(key_id), actor=request.user.api_key)
        return Response(ApiKeyOutput(key).data)
