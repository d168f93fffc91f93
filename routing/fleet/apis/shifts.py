"""`/api/v1/shifts/` and `/api/v1/shifts/{id}/`.

Times in and out: `date`, `start_time`, `end_time` and break times are wall-clock times at the
shift's depot (its vehicle's home depot); `start` and `end` are the same moments in ISO 8601
with the depot's offset."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.idempotency import idempotent
from routing.fleet import services
from routing.fleet.apis.common import (
    ByDate,
    FleetAccess,
    depot_by_code,
    driver_by_id,
    vehicle_by_code,
)
from routing.fleet.filters import ShiftFilter
from routing.fleet.selectors import shift_list


class BreakSerializer(serializers.Serializer):
    earliest = serializers.TimeField(help_text="Earliest start (wall-clock at the depot).")
    latest = serializers.TimeField(help_text="Latest start.")
    duration_s = serializers.IntegerField(min_value=1, max_value=4 * 3600)

    def to_representation(self, instance):
        earliest, latest, duration_s = instance
        return {
            "earliest": earliest.isoformat(),
            "latest": latest.isoformat(),
            "duration_s": duration_s,
        }


class ShiftOutput(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    depot = serializers.CharField(source="vehicle.depot.code")
    timezone = serializers.CharField(source="vehicle.depot.timezone")
    vehicle = serializers.CharField(source="vehicle.code")
    driver = serializers.IntegerField(source="driver_id")
    driver_name = serializers.CharField(source="driver.__str__")
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()
    start = serializers.DateTimeField(source="start_at")
    end = serializers.DateTimeField(source="end_at")
    breaks = BreakSerializer(many=True)
    working_hours = serializers.FloatField(help_text="Length minus breaks.")
    driver_is_off = serializers.BooleanField(
        help_text="The driver took time off that day since it was booked: the planner "
        "leaves the shift out."
    )
    created_at = serializers.DateTimeField()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # DRF renders in the server's zone; the depot's offset is what people read.
        tz = instance.vehicle.depot.tzinfo
        data["start"] = instance.start_at.astimezone(tz).isoformat()
        data["end"] = instance.end_at.astimezone(tz).isoformat()
        return data


class ShiftInput(serializers.Serializer):
    driver = serializers.IntegerField(help_text="Driver id.")
    vehicle = serializers.CharField(max_length=20, help_text="Vehicle code.")
    date = serializers.DateField()
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()
    depot = serializers.CharField(
        max_length=20, required=False, help_text="Optional: must be the vehicle's home depot."
    )
    breaks = BreakSerializer(many=True, required=False, max_length=6)


def _fields(data: dict) -> dict:
    data = dict(data)
    if "driver" in data:
        data["driver"] = driver_by_id(data["driver"])
    if "vehicle" in data:
        data["vehicle"] = vehicle_by_code(data["vehicle"])
    if "depot" in data:
        data["depot"] = depot_by_code(data["depot"])
    if "breaks" in data:
        data["breaks"] = [services.BreakSpec(**b) for b in data["breaks"]]
    return data


def _shift(shift_id: int):
    return get_object_or_404(shift_list(), pk=shift_id)


class ShiftCollectionApi(FleetAccess, generics.ListAPIView):
    """Shifts by day (`?depot=BER1&date_from=2026-12-07&date_to=2026-12-13&driver=4
    &vehicle=VAN-1`), or book one. 409 when the driver or vehicle is already booked then
    (naming that shift) or the driver is off; 422 for a break outside the shift, a day or
    hours outside the driver's availability."""

    serializer_class = ShiftOutput
    filterset_class = ShiftFilter
    pagination_class = ByDate

    class InputSerializer(ShiftInput):
        pass

    def get_queryset(self):
        return shift_list()

    @extend_schema(
        operation_id="shifts_create", request=InputSerializer, responses={201: ShiftOutput}
    )
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shift = services.shift_create(**_fields(data.validated_data))
        return Response(ShiftOutput(_shift(shift.pk)).data, status=status.HTTP_201_CREATED)


class ShiftDetailApi(FleetAccess, APIView):
    """One shift: read, change (PATCH; `breaks` replaces them all), delete. A shift that a
    plan has routed cannot change or go (409 naming the plan)."""

    class InputSerializer(ShiftInput):
        pass

    @extend_schema(operation_id="shifts_retrieve", responses=ShiftOutput)
    def get(self, request, shift_id):
        return Response(ShiftOutput(_shift(shift_id)).data)

    @extend_schema(
        operation_id="shifts_partial_update", request=InputSerializer, responses=ShiftOutput
    )
    def patch(self, request, shift_id):
        shift = _shift(shift_id)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.shift_update(shift=shift, **_fields(data.validated_data))
        return Response(ShiftOutput(_shift(shift_id)).data)

    @extend_schema(operation_id="shifts_destroy", responses={204: None})
    def delete(self, request, shift_id):
        services.shift_delete(shift=_shift(shift_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
