"""Reorder suggestions API: `/api/v1/reorder-suggestions/` and turning them into draft orders."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.idempotency import idempotent
from inventory.models import Product
from purchasing.apis.common import (
    PurchaseOrderOutput,
    PurchasingAccess,
)
from purchasing.selectors import (
    purchase_order_list,
    reorder_suggestions,
)
from purchasing.serializers import suggestion_data, suggestion_fields
from purchasing.services import (
    reorder_purchase_orders_create,
)


class ReorderSuggestionsApi(PurchasingAccess, APIView):
    """Products whose available + on-order quantity is below the reorder point."""

    @extend_schema(
        responses=inline_serializer(
            "ReorderSuggestionOutput",
            {
                **suggestion_fields(),
                "unit_cost": serializers.DecimalField(
                    max_digits=12, decimal_places=4, allow_null=True
                ),
                "line_total": serializers.DecimalField(max_digits=14, decimal_places=2),
                "reason": serializers.CharField(),
            },
            many=True,
        ),
        operation_id="reorder_suggestions",
    )
    def get(self, request):
        return Response([_suggestion_data(s) for s in reorder_suggestions()])


def _suggestion_data(s) -> dict:
    return {
        **suggestion_data(s),
        "unit_cost": str(s.supplier_product.unit_cost) if s.supplier_product else None,
        "line_total": str(s.line_total),
        "reason": s.reason,
    }


class ReorderCreateOrdersApi(PurchasingAccess, APIView):
    """Create draft orders from the current suggestions, one per supplier and warehouse
    (`products`: optional list of SKUs to keep)."""

    class InputSerializer(serializers.Serializer):
        products = serializers.ListField(child=serializers.CharField(max_length=64), required=False)

    @extend_schema(request=InputSerializer, responses={201: PurchaseOrderOutput(many=True)})
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product_ids = None
        if "products" in data.validated_data:
            product_ids = set(
                Product.objects.filter(sku__in=data.validated_data["products"]).values_list(
                    "pk", flat=True
                )
            )
        orders = reorder_purchase_orders_create(user=request.user, product_ids=product_ids)
        rows = (
            purchase_order_list()
            .filter(pk__in=[o.pk for o in orders])
            .prefetch_related("lines__product")
        )
        return Response(PurchaseOrderOutput(rows, many=True).data, status=status.HTTP_201_CREATED)
