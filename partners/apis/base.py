"""Partner-facing API plumbing: partner API keys only, each object looked up inside the
caller's partner (another partner's id answers 404). Staff manage partners from /partners/.

Inputs are explicit serializers: fields such as `partner`, `status` or `secret` are never read.
"""

from __future__ import annotations

from rest_framework import generics
from rest_framework.parsers import JSONParser
from rest_framework.views import APIView

from core.permissions import HasScope

MANAGE = "webhooks:manage"


class PartnerKeyScope(HasScope):
    """Only partner API keys, and only with the scope the view names (staff get 403)."""

    def has_permission(self, request, view):
        if getattr(request.user, "partner", None) is None:
            self.message = "This endpoint is for partner API keys."
            return False
        return super().has_permission(request, view)


class PartnerApi(APIView):
    permission_classes = [PartnerKeyScope]
    parser_classes = [JSONParser]
    required_scopes = dict.fromkeys(("GET", "POST", "PATCH", "DELETE"), MANAGE)

    @property
    def partner(self):
        return self.request.user.partner

    def validated_input(self, *, partial: bool = False) -> dict:
        """The request body through the view's InputSerializer (400 naming the fields)."""
        data = self.InputSerializer(data=self.request.data, partial=partial)
        data.is_valid(raise_exception=True)
        return data.validated_data


class PartnerListApi(generics.ListAPIView, PartnerApi):
    pass
