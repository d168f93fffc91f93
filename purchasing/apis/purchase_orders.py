"""Purchase orders API: `/api/v1/purchase-orders/` (list, create a draft) and one order.
Lifecycle actions are in actions.py."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.views import APIView

from core.exceptions import ValidationFailed
from core.idempotency import idempotent
from core.roles import Role
from inventory.selectors import warehouse_get_by_code
from purchasing.apis.common import (
    READ_ROLES,
    PurchaseLineInput,
    PurchaseOrderDetailOutput,
    PurchaseOrderOutput,
    PurchasingAccess,
    ReadAccess,
    po_get,
    po_response,
    products_by_sku,
)
from purchasing.filters import PurchaseOrderFilter
from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier
from purchasing.selectors import (
    purchase_order_list,
)
from purchasing.services import (
    purchase_order_create,
)


class PurchaseOrderListCreateApi(PurchasingAccess, generics.ListAPIView):
    """GET: orders newest first; filters `status`, `supplier` (code), `warehouse` (code),
    `from`/`to` (creation date), `overdue=1`, `q` (reference). POST: create a draft."""

    serializer_class = PurchaseOrderOutput
    filterset_class = PurchaseOrderFilter
    # The model, for the schema: get_queryset reads the depots' today (a query).
    queryset = PurchaseOrder.objects.none()

    class InputSerializer(serializers.Serializer):
        supplier = serializers.CharField(max_length=40)
        warehouse = serializers.CharField(max_length=10)
        justification = serializers.CharField(max_length=5000)
        expected_date = serializers.DateField(required=False, allow_null=True, default=None)
        lines = PurchaseLineInput(many=True, allow_empty=False)

    def get_permissions(self):
        self.allowed_roles = READ_ROLES if self.request.method == "GET" else [Role.PURCHASING]
        return super().get_permissions()

    def get_queryset(self):
        return purchase_order_list().prefetch_related(
            Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("product"))
        )

    @extend_schema(request=InputSerializer, responses={201: PurchaseOrderDetailOutput})
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        supplier = Supplier.objects.filter(code=values["supplier"]).first()
        errors = []
        if supplier is None:
            errors.append(
                {
                    "field": "supplier",
                    "code": "not_found",
                    "message": f"Unknown supplier {values['supplier']}.",
                }
            )
        try:
            warehouse = warehouse_get_by_code(code=values["warehouse"], missing=ValidationFailed)
        except ValidationFailed as unknown:
            warehouse, errors = None, [*errors, *unknown.errors]
        if errors:
            raise ValidationFailed(errors[0]["message"], errors=errors)
        po = purchase_order_create(
            supplier=supplier,
            warehouse=warehouse,
            requester=request.user,
            justification=values["justification"],
            expected_date=values["expected_date"],
            lines=products_by_sku([dict(line) for line in values["lines"]]),
        )
        return po_response(po.reference, code=status.HTTP_201_CREATED)


class PurchaseOrderDetailApi(ReadAccess, APIView):
    @extend_schema(responses=PurchaseOrderDetailOutput, operation_id="purchase_order_detail")
    def get(self, request, reference):
        po_get(reference)
        return po_response(reference)
