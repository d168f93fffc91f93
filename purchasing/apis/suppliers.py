"""Suppliers API: `/api/v1/suppliers/`, a supplier's prices and its performance."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ValidationFailed
from core.idempotency import idempotent
from core.roles import Role
from inventory.selectors import product_get_by_sku
from purchasing.apis.common import (
    READ_ROLES,
    PurchasingAccess,
    ReadAccess,
    SupplierOutput,
    SupplierProductOutput,
    supplier_get,
)
from purchasing.filters import SupplierFilter
from purchasing.models import Supplier, SupplierProduct
from purchasing.selectors import (
    supplier_performance,
)
from purchasing.services import (
    supplier_product_set,
)


class SupplierListCreateApi(PurchasingAccess, generics.ListCreateAPIView):
    """GET: suppliers (filters in purchasing.filters.SupplierFilter: `active`, `q`). POST:
    create one (reference data)."""

    serializer_class = SupplierOutput

    def get_permissions(self):
        self.allowed_roles = READ_ROLES if self.request.method == "GET" else [Role.PURCHASING]
        return super().get_permissions()

    filterset_class = SupplierFilter

    def get_queryset(self):
        return Supplier.objects.order_by("-id")

    @idempotent
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class SupplierDetailApi(PurchasingAccess, generics.RetrieveUpdateAPIView):
    serializer_class = SupplierOutput
    queryset = Supplier.objects.all()
    lookup_field = "code"
    http_method_names = ["get", "patch", "head", "options"]

    def get_permissions(self):
        self.allowed_roles = READ_ROLES if self.request.method == "GET" else [Role.PURCHASING]
        return super().get_permissions()


class SupplierProductsApi(PurchasingAccess, APIView):
    """GET: what the supplier sells. POST: set a price (create or update; `is_preferred` makes
    it the product's preferred supplier)."""

    class InputSerializer(serializers.Serializer):
        product = serializers.CharField(max_length=64)
        supplier_sku = serializers.CharField(
            max_length=64, required=False, default="", allow_blank=True
        )
        unit_cost = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=0)
        pack_size = serializers.IntegerField(min_value=1, default=1)
        min_order_qty = serializers.IntegerField(min_value=1, default=1)
        lead_time_days = serializers.IntegerField(
            min_value=0, required=False, allow_null=True, default=None
        )
        is_preferred = serializers.BooleanField(default=False)
        is_active = serializers.BooleanField(default=True)

    def get_permissions(self):
        self.allowed_roles = READ_ROLES if self.request.method == "GET" else [Role.PURCHASING]
        return super().get_permissions()

    @extend_schema(responses=SupplierProductOutput(many=True), operation_id="supplier_products")
    def get(self, request, code):
        supplier = supplier_get(code)
        rows = (
            SupplierProduct.objects.filter(supplier=supplier)
            .select_related("product", "supplier")
            .order_by("product__sku")
        )
        return Response(SupplierProductOutput(rows, many=True).data)

    @extend_schema(request=InputSerializer, responses=SupplierProductOutput)
    @idempotent
    def post(self, request, code):
        supplier = supplier_get(code)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        product = product_get_by_sku(sku=fields.pop("product"), missing=ValidationFailed)
        row = supplier_product_set(supplier=supplier, product=product, **fields)
        return Response(SupplierProductOutput(row).data, status=status.HTTP_201_CREATED)


class SupplierPerformanceApi(ReadAccess, APIView):
    """On-time, in-full and OTIF rates, lead time vs promised and price variance over orders
    delivered between `from` and `to` (YYYY-MM-DD, both optional)."""

    class FilterSerializer(serializers.Serializer):
        date_from = serializers.DateField(required=False, allow_null=True, default=None)
        date_to = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(
        responses=inline_serializer(
            "SupplierPerformanceOutput",
            {
                "supplier": serializers.CharField(),
                "orders": serializers.IntegerField(),
                "on_time_rate": serializers.DecimalField(
                    max_digits=5, decimal_places=1, allow_null=True
                ),
                "in_full_rate": serializers.DecimalField(
                    max_digits=5, decimal_places=1, allow_null=True
                ),
                "otif_rate": serializers.DecimalField(
                    max_digits=5, decimal_places=1, allow_null=True
                ),
                "avg_lead_time_days": serializers.DecimalField(
                    max_digits=7, decimal_places=1, allow_null=True
                ),
                "avg_promised_lead_time_days": serializers.DecimalField(
                    max_digits=7, decimal_places=1, allow_null=True
                ),
                "avg_delay_days": serializers.DecimalField(
                    max_digits=7, decimal_places=1, allow_null=True
                ),
                "price_variance_pct": serializers.DecimalField(
                    max_digits=7, decimal_places=2, allow_null=True
                ),
            },
        )
    )
    def get(self, request, code):
        supplier = supplier_get(code)
        params = self.FilterSerializer(
            data={
                "date_from": request.query_params.get("from"),
                "date_to": request.query_params.get("to"),
            }
        )
        params.is_valid(raise_exception=True)
        perf = supplier_performance(supplier=supplier, **params.validated_data)
        return Response(
            {
                "supplier": supplier.code,
                "orders": perf.orders,
                **{
                    name: (str(value) if value is not None else None)
                    for name in (
                        "on_time_rate", "in_full_rate", "otif_rate", "avg_lead_time_days",
                        "avg_promised_lead_time_days", "avg_delay_days", "price_variance_pct",
                    )
                    for value in [getattr(perf, name)]
                },
            }
        )  # fmt: skip
