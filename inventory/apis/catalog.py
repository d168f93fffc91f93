"""CRUD for warehouses, locations and products (reference data; writes call services)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from core.internal_fields import InternalFieldsMixin
from core.output import FastOutputMixin
from inventory.apis.access import CATALOG_WRITE_ROLES, InventoryAccess
from inventory.filters import LocationFilter, ProductFilter
from inventory.models import PRODUCT_ATTRIBUTES, Location, Product, Warehouse
from inventory.services.catalog import (
    location_create,
    location_update,
    product_create,
    product_deactivate,
    product_update,
    warehouse_create,
    warehouse_update,
)


class WarehouseSerializer(FastOutputMixin, serializers.ModelSerializer):
    class Meta:
        model = Warehouse
        fields = [
            "code",
            "name",
            "address",
            "postal_code",
            "city",
            "country_code",
            "latitude",
            "longitude",
            "timezone",
            "opening_time",
            "closing_time",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class LocationSerializer(FastOutputMixin, serializers.ModelSerializer):
    warehouse = serializers.SlugRelatedField(slug_field="code", queryset=Warehouse.objects.all())

    class Meta:
        model = Location
        fields = [
            "id",
            "warehouse",
            "code",
            "kind",
            "name",
            "capacity_m3",
            "capacity_kg",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class ProductSerializer(InternalFieldsMixin, FastOutputMixin, serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "sku",
            "name",
            "description",
            *PRODUCT_ATTRIBUTES,
            "currency",
            "preferred_supplier_code",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        internal_fields = ("unit_cost",)  # our purchase cost: staff only


class _CatalogViewSet(InventoryAccess, viewsets.ModelViewSet):
    """Validation by the serializer (400), business rules by the services (409/422)."""

    partner_may_write = False
    write_roles = CATALOG_WRITE_ROLES
    create_service = None
    update_service = None
    instance_kwarg = ""

    def perform_create(self, serializer):
        serializer.instance = type(self).create_service(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = type(self).update_service(
            **{self.instance_kwarg: serializer.instance}, **serializer.validated_data
        )


class WarehouseViewSet(_CatalogViewSet):
    """Warehouses (also routing depots). DELETE deactivates an empty warehouse."""

    queryset = Warehouse.objects.all()
    serializer_class = WarehouseSerializer
    lookup_field = "code"
    ordering = "code"
    create_service = staticmethod(warehouse_create)
    update_service = staticmethod(warehouse_update)
    instance_kwarg = "warehouse"

    def perform_destroy(self, instance):
        warehouse_update(warehouse=instance, is_active=False)


class LocationViewSet(_CatalogViewSet):
    """Locations; filter with ?warehouse=BER&kind=storage&code=A-01. DELETE deactivates an
    empty location."""

    # A location prints its warehouse's code only: not the warehouse's other columns.
    queryset = Location.objects.select_related("warehouse").only(
        *(f.name for f in Location._meta.concrete_fields), "warehouse__code"
    )
    serializer_class = LocationSerializer
    filterset_class = LocationFilter
    create_service = staticmethod(location_create)
    update_service = staticmethod(location_update)
    instance_kwarg = "location"

    def perform_destroy(self, instance):
        location_update(location=instance, is_active=False)


class ProductViewSet(_CatalogViewSet):
    """Products by SKU; ?q= searches SKU, name and barcode. DELETE never deletes: it
    deactivates the product (its history stays)."""

    queryset = Product.objects.all()
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    lookup_field = "sku"
    lookup_value_regex = r"[A-Za-z0-9][A-Za-z0-9._/-]*"
    ordering = "sku"
    create_service = staticmethod(product_create)
    update_service = staticmethod(product_update)
    instance_kwarg = "product"

    @extend_schema(responses={200: ProductSerializer})
    def destroy(self, request, *args, **kwargs):
        product = product_deactivate(product=self.get_object())
        return Response(
            ProductSerializer(product, context=self.get_serializer_context()).data,
            status=status.HTTP_200_OK,
        )
