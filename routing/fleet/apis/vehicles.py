"""`/api/v1/vehicles/` and `/api/v1/vehicles/{code}/`."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.idempotency import idempotent
from routing.fleet import services
from routing.fleet.apis.common import ByCode, FleetAccess, SkillsField, depot_by_code
from routing.fleet.filters import VehicleFilter
from routing.fleet.selectors import vehicle_list


class VehicleOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    depot = serializers.CharField(source="depot.code")
    capacity_weight_kg = serializers.DecimalField(max_digits=9, decimal_places=2)
    capacity_volume_m3 = serializers.DecimalField(max_digits=8, decimal_places=3)
    capacity_units = serializers.IntegerField()
    cost_per_km = serializers.DecimalField(max_digits=10, decimal_places=2)
    cost_per_hour = serializers.DecimalField(max_digits=10, decimal_places=2)
    fixed_cost = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()
    skills = serializers.ListField(child=serializers.CharField())
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class VehicleInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    depot = serializers.CharField(max_length=20, help_text="Home depot (warehouse code).")
    capacity_weight_kg = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=0)
    capacity_volume_m3 = serializers.DecimalField(max_digits=8, decimal_places=3, min_value=0)
    capacity_units = serializers.IntegerField(min_value=0, max_value=2_000_000_000)
    cost_per_km = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False
    )
    cost_per_hour = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False
    )
    fixed_cost = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False
    )
    currency = serializers.CharField(min_length=3, max_length=3, required=False)
    skills = SkillsField(required=False)
    is_active = serializers.BooleanField(required=False)


def _fields(data: dict) -> dict:
    data = dict(data)
    if "depot" in data:
        data["depot"] = depot_by_code(data["depot"])
    return data


class VehicleCollectionApi(FleetAccess, generics.ListAPIView):
    """Vehicles by code (`?depot=BER1&is_active=true&skill=frozen`), or create one."""

    serializer_class = VehicleOutput
    filterset_class = VehicleFilter
    pagination_class = ByCode

    class InputSerializer(VehicleInput):
        code = serializers.CharField(max_length=20)

    def get_queryset(self):
        return vehicle_list()

    @extend_schema(
        operation_id="vehicles_create", request=InputSerializer, responses={201: VehicleOutput}
    )
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        vehicle = services.vehicle_create(**_fields(data.validated_data))
        return Response(VehicleOutput(vehicle).data, status=status.HTTP_201_CREATED)


class VehicleDetailApi(FleetAccess, APIView):
    """One vehicle: read, change (PATCH, any subset of the fields), delete (only a vehicle with
    no shift or route on record; 409 otherwise: deactivate it with `is_active: false`)."""

    class InputSerializer(VehicleInput):
        pass

    def _get(self, code):
        return get_object_or_404(vehicle_list(), code=code)

    @extend_schema(operation_id="vehicles_retrieve", responses=VehicleOutput)
    def get(self, request, code):
        return Response(VehicleOutput(self._get(code)).data)

    @extend_schema(
        operation_id="vehicles_partial_update", request=InputSerializer, responses=VehicleOutput
    )
    def patch(self, request, code):
        vehicle = self._get(code)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        vehicle = services.vehicle_update(vehicle=vehicle, **_fields(data.validated_data))
        return Response(VehicleOutput(self._get(vehicle.code)).data)

    @extend_schema(operation_id="vehicles_destroy", responses={204: None})
    def delete(self, request, code):
        services.vehicle_delete(vehicle=self._get(code))
        return Response(status=status.HTTP_204_NO_CONTENT)
