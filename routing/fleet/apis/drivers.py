"""`/api/v1/drivers/`, `/api/v1/drivers/{id}/` and their time off."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.idempotency import idempotent
from routing.fleet import services
from routing.fleet.apis.common import FleetAccess, SkillsField, driver_get, vehicle_by_code
from routing.fleet.filters import DriverFilter
from routing.fleet.models import DriverTimeOff
from routing.fleet.selectors import driver_list, time_off_shifts
from routing.models import Driver


class TimeOffOutput(serializers.Serializer):
    id = serializers.IntegerField()
    driver = serializers.IntegerField(source="driver_id")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    reason = serializers.CharField()


class DriverOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    email = serializers.CharField(source="user.email")
    phone = serializers.CharField()
    skills = serializers.ListField(child=serializers.CharField())
    default_vehicle = serializers.CharField(source="default_vehicle.code", allow_null=True)
    working_days = serializers.ListField(
        child=serializers.IntegerField(), help_text="ISO weekdays, 1 = Monday."
    )
    work_start = serializers.TimeField(allow_null=True)
    work_end = serializers.TimeField(allow_null=True)
    is_active = serializers.BooleanField()
    upcoming_time_off = TimeOffOutput(many=True, help_text="Time off ending today or later.")


class DriverInput(serializers.Serializer):
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    skills = SkillsField(required=False)
    default_vehicle = serializers.CharField(
        max_length=20, required=False, allow_null=True, help_text="Vehicle code."
    )
    working_days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7), required=False, max_length=7
    )
    work_start = serializers.TimeField(required=False, allow_null=True)
    work_end = serializers.TimeField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)


def _fields(data: dict) -> dict:
    data = dict(data)
    if data.get("default_vehicle"):
        data["default_vehicle"] = vehicle_by_code(data["default_vehicle"], field="default_vehicle")
    return data


def _driver(driver_id: int):
    return get_object_or_404(driver_list(), pk=driver_id)


class DriverCollectionApi(FleetAccess, generics.ListAPIView):
    """Drivers (`?is_active=true&skill=hazmat&q=ada`), or create one for an account: an
    existing username (not yet a driver) or a new account without a password."""

    serializer_class = DriverOutput
    filterset_class = DriverFilter
    # The model, for the schema: get_queryset reads the depots' today (a query).
    queryset = Driver.objects.none()

    class InputSerializer(DriverInput):
        username = serializers.CharField(max_length=150)

    def get_queryset(self):
        return driver_list()

    @extend_schema(
        operation_id="drivers_create", request=InputSerializer, responses={201: DriverOutput}
    )
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        driver = services.driver_create(**_fields(data.validated_data))
        return Response(DriverOutput(_driver(driver.pk)).data, status=status.HTTP_201_CREATED)


class DriverDetailApi(FleetAccess, APIView):
    """One driver: read, change (PATCH), delete (only one with no shift or route on record)."""

    class InputSerializer(DriverInput):
        pass

    @extend_schema(operation_id="drivers_retrieve", responses=DriverOutput)
    def get(self, request, driver_id):
        return Response(DriverOutput(_driver(driver_id)).data)

    @extend_schema(
        operation_id="drivers_partial_update", request=InputSerializer, responses=DriverOutput
    )
    def patch(self, request, driver_id):
        driver = driver_get(driver_id)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.driver_update(driver=driver, **_fields(data.validated_data))
        return Response(DriverOutput(_driver(driver_id)).data)

    @extend_schema(operation_id="drivers_destroy", responses={204: None})
    def delete(self, request, driver_id):
        services.driver_delete(driver=driver_get(driver_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TimeOffCreatedOutput(TimeOffOutput):
    shifts_booked = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Shifts of the driver already booked on these days: the planner leaves "
        "them out; reassign them.",
    )


class DriverTimeOffCollectionApi(FleetAccess, APIView):
    """A driver's time off (all of it, earliest first), or add days off."""

    class InputSerializer(serializers.Serializer):
        start_date = serializers.DateField()
        end_date = serializers.DateField()
        reason = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(operation_id="drivers_time_off_list", responses=TimeOffOutput(many=True))
    def get(self, request, driver_id):
        driver = driver_get(driver_id)
        rows = DriverTimeOff.objects.filter(driver=driver).order_by("start_date", "id")
        return Response(TimeOffOutput(rows, many=True).data)

    @extend_schema(
        operation_id="drivers_time_off_create",
        request=InputSerializer,
        responses={201: TimeOffCreatedOutput},
    )
    @idempotent
    def post(self, request, driver_id):
        driver = driver_get(driver_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        off = services.driver_time_off_add(driver=driver, **data.validated_data)
        off.shifts_booked = [s.pk for s in time_off_shifts(time_off=off)]
        return Response(TimeOffCreatedOutput(off).data, status=status.HTTP_201_CREATED)


class DriverTimeOffDetailApi(FleetAccess, APIView):
    @extend_schema(operation_id="drivers_time_off_destroy", responses={204: None})
    def delete(self, request, driver_id, time_off_id):
        off = get_object_or_404(DriverTimeOff, pk=time_off_id, driver_id=driver_id)
        services.driver_time_off_remove(time_off=off)
        return Response(status=status.HTTP_204_NO_CONTENT)
