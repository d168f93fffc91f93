from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.roles import user_roles


class WhoAmIApi(APIView):
    """Who the caller is: a partner (with its key's scopes) or a staff user (with roles)."""

    class OutputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=["partner", "staff"])
        name = serializers.CharField()
        partner = serializers.CharField(allow_null=True)
        scopes = serializers.ListField(child=serializers.CharField())
        roles = serializers.ListField(child=serializers.CharField())

    @extend_schema(responses=OutputSerializer, operation_id="whoami")
    def get(self, request):
        partner = getattr(request.user, "partner", None)
        if partner is not None:
            data = {
                "kind": "partner",
                "name": request.user.api_key.name,
                "partner": partner.code,
                "scopes": request.user.api_key.scopes,
                "roles": [],
            }
        else:
            data = {
                "kind": "staff",
                "name": request.user.get_username(),
                "partner": None,
                "scopes": [],
                "roles": sorted(user_roles(request.user)),
            }
        return Response(self.OutputSerializer(data).data)
