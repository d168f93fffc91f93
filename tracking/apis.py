"""Tracking API: position pings, the driver app's actions, KPIs.

- `POST /api/v1/pings/`: a driver session sends pings of the vehicle on their route today; a
  partner key needs `pings:write`, but partners own no vehicles in Waybill, so any vehicle
  answers 404 for them (there is nothing a partner may ping for yet).
- `POST /api/v1/driver/routes/<id>/start/`, `/driver/stops/<id>/{arrive,deliver,fail,skip}/`:
  driver session only; another driver's route or stop answers 404. All honour Idempotency-Key.
- `GET /api/v1/kpis/?date_from=&date_to=&warehouse=<code>`: dispatchers.
- `GET /api/v1/orders/{reference}/pod.pdf`: the proof of delivery as a PDF (partners: their
  own orders, `orders:read`).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFound, ValidationFailed
from core.idempotency import idempotent
from core.permissions import HasRole, HasScope
from core.roles import Role
from inventory.selectors import warehouse_get_by_code
from orders.models import CodMethod, FailureReason
from orders.selectors import order_get
from routing.models import Route, Stop
from tracking import clock, services
from tracking.kpis import kpis_compute
from tracking.models import ProofOfDelivery
from tracking.pod_documents import pod_filename, pod_pdf


class PingInput(serializers.Serializer):
    time = serializers.DateTimeField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    speed_kmh = serializers.FloatField(required=False, allow_null=True)
    heading_deg = serializers.FloatField(required=False, allow_null=True)
    accuracy_m = serializers.FloatField(required=False, allow_null=True)


class PingCreateApi(APIView):
    permission_classes = [HasScope]
    required_scopes = {"POST": "pings:write"}
    allowed_roles = [Role.DRIVER]
    parser_classes = [JSONParser]  # the driver app and devices send JSON; the schema says so

    class InputSerializer(serializers.Serializer):
        vehicle = serializers.CharField(required=False, allow_blank=True, max_length=20)
        pings = PingInput(many=True, allow_empty=False)  # errors name `pings[i].field`

    class OutputSerializer(serializers.Serializer):
        vehicle = serializers.CharField()
        received = serializers.IntegerField()
        stored = serializers.IntegerField()
        duplicates = serializers.IntegerField()

    @extend_schema(
        request=InputSerializer,
        responses={201: OutputSerializer},
        extensions={"x-problem-responses": ["404"]},  # a vehicle that is not the caller's
    )
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if getattr(request.user, "partner", None) is not None:
            raise NotFound("No vehicle of this partner is known.", field="vehicle")
        pings = [dict(ping) for ping in data.validated_data["pings"]]
        result = services.driver_pings_record(
            user=request.user, pings=pings, vehicle_code=data.validated_data.get("vehicle") or None
        )
        body = {
            "vehicle": result.vehicle.code,
            "received": result.received,
            "stored": result.stored,
            "duplicates": result.duplicates,
        }
        return Response(self.OutputSerializer(body).data, status=201)


class DriverAccess:
    permission_classes = [HasRole]
    allowed_roles = [Role.DRIVER]


def _driver_stop(request, pk: int) -> Stop:
    stop = (
        Stop.objects.select_related("route", "order")
        .filter(pk=pk, route__driver__user=request.user)
        .first()
    )
    if stop is None:
        raise NotFound("No stop of yours has this id.", field="stop")
    return stop


class DriverStopOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    order = serializers.CharField(source="order.reference")
    status = serializers.CharField()
    arrived_at = serializers.DateTimeField()
    departed_at = serializers.DateTimeField()
    eta = serializers.DateTimeField()


class _Position(serializers.Serializer):
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(
        required=False, allow_null=True, min_value=-180, max_value=180
    )
    at = serializers.DateTimeField(required=False, allow_null=True)

    def validate_at(self, value):
        # Offline actions carry when they happened; never in the future.
        if value and value > clock.now() + dt.timedelta(minutes=1):
            raise serializers.ValidationError("The action time is in the future.")
        return value


class RouteStartApi(DriverAccess, APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="pk")
        status = serializers.CharField()

    @extend_schema(request=None, responses=OutputSerializer)
    @idempotent
    def post(self, request, pk: int):
        route = Route.objects.filter(pk=pk, driver__user=request.user).first()
        if route is None:
            raise NotFound("No route of yours has this id.", field="route")
        route = services.route_start(route=route, user=request.user)
        route.refresh_from_db()
        return Response(self.OutputSerializer(route).data)


class StopArriveApi(DriverAccess, APIView):
    InputSerializer = _Position

    @extend_schema(request=InputSerializer, responses=DriverStopOutput)
    @idempotent
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stop = services.stop_arrive(
            stop=_driver_stop(request, pk), user=request.user, **_clean(data.validated_data)
        )
        return Response(DriverStopOutput(stop).data)


class StopDeliverApi(DriverAccess, APIView):
    """Deliver with proof. An order that needs a PIN takes `pin` (what the customer said) and
    `entered_offline` (typed while the phone had no connection: a wrong one turns the delivery
    into "PIN failed"); a cash-on-delivery order takes `cod_method` and `cod_amount`. The PIN
    is checked and its attempt committed before the idempotent delivery, and it is left out of
    the stored request fingerprint (only the PIN's slow hash is ever kept)."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(_Position):
        recipient_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
        note = serializers.CharField(required=False, allow_blank=True, max_length=500)
        photo = serializers.FileField(required=False, allow_null=True)
        pin = serializers.CharField(required=False, allow_blank=True, max_length=12)
        entered_offline = serializers.BooleanField(required=False, default=False)
        cod_method = serializers.ChoiceField(
            choices=CodMethod.choices, required=False, allow_blank=True
        )
        cod_amount = serializers.DecimalField(
            max_digits=12, decimal_places=2, required=False, allow_null=True, min_value=0
        )
        # `signature` (a file, or the canvas as a data:image/png;base64 URL) is read from the
        # request as is.

    @extend_schema(
        request=InputSerializer,
        responses=DriverStopOutput,
        extensions={"x-problem-responses": ["404", "409", "422"]},
    )
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = _clean(data.validated_data)
        stop = _driver_stop(request, pk)
        services.stop_handover_check(
            stop=stop,
            user=request.user,
            pin=values.pop("pin", ""),
            entered_offline=values.pop("entered_offline", False),
            at=values.get("at"),
            cod_method=values.get("cod_method", ""),
            cod_amount=values.get("cod_amount"),
        )
        if "pin" in request.data:
            # The idempotency record keeps a fast hash of the body: never with the PIN in it.
            request._full_data = {k: v for k, v in request.data.items() if k != "pin"}
        return self._deliver(request, pk, values)

    @idempotent
    def _deliver(self, request, pk: int, values: dict):
        signature = request.FILES.get("signature") or request.data.get("signature") or None
        if signature is not None and not (isinstance(signature, str) or hasattr(signature, "read")):
            raise ValidationFailed("Send the signature as a file or a data URL.", field="signature")
        values["signature"] = signature
        stop = services.stop_deliver(stop=_driver_stop(request, pk), user=request.user, **values)
        return Response(DriverStopOutput(stop).data)


class StopFailApi(DriverAccess, APIView):
    class InputSerializer(_Position):
        reason = serializers.ChoiceField(choices=FailureReason.choices)
        note = serializers.CharField(required=False, allow_blank=True, max_length=500)

    @extend_schema(request=InputSerializer, responses=DriverStopOutput)
    @idempotent
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stop = services.stop_fail(
            stop=_driver_stop(request, pk), user=request.user, **_clean(data.validated_data)
        )
        return Response(DriverStopOutput(stop).data)


class StopSkipApi(DriverAccess, APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(
            choices=FailureReason.choices, required=False, default=FailureReason.OUT_OF_TIME
        )
        note = serializers.CharField(required=False, allow_blank=True, max_length=500)
        at = serializers.DateTimeField(required=False, allow_null=True)

    @extend_schema(request=InputSerializer, responses=DriverStopOutput)
    @idempotent
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stop = services.stop_skip(
            stop=_driver_stop(request, pk), user=request.user, **_clean(data.validated_data)
        )
        return Response(DriverStopOutput(stop).data)


def _clean(values: dict) -> dict:
    """Drop absent optional values so the services' defaults (e.g. at=now) apply."""
    return {k: v for k, v in values.items() if v is not None}


class OrderPodPdfApi(APIView):
    """`GET /api/v1/orders/{reference}/pod.pdf`: the order's latest proof of delivery as a PDF
    (recipient, time in the warehouse's zone, place, photo, signature). Partners need
    `orders:read` and see only their own orders (404 otherwise); staff need the dispatcher
    role. 404 naming `reference` while there is no proof yet."""

    permission_classes = [HasScope]
    required_scopes = {"GET": "orders:read"}
    allowed_roles = [Role.DISPATCHER]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, reference: str):
        order = order_get(reference=reference, user=request.user)
        pod = (
            ProofOfDelivery.objects.filter(order=order)
            .select_related("order__warehouse")
            .order_by("-delivered_at", "-id")
            .first()
        )
        if pod is None:
            raise NotFound(f"{order.reference} has no proof of delivery yet.", field="reference")
        response = HttpResponse(pod_pdf(pod=pod), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{pod_filename(pod)}"'
        return response


class KpiApi(APIView):
    permission_classes = [HasScope]
    required_scopes: dict = {}  # staff only
    allowed_roles = [Role.DISPATCHER]

    class FilterSerializer(serializers.Serializer):
        date_from = serializers.DateField()
        date_to = serializers.DateField()
        warehouse = serializers.CharField(required=False, allow_blank=True)

        def validate(self, attrs):
            if attrs["date_from"] > attrs["date_to"]:
                raise serializers.ValidationError({"date_to": "Must not be before date_from."})
            if (attrs["date_to"] - attrs["date_from"]).days > 366:
                raise serializers.ValidationError({"date_to": "At most one year at a time."})
            return attrs

    @extend_schema(
        parameters=[FilterSerializer],
        responses=dict,
        extensions={"x-problem-responses": ["404"]},  # an unknown warehouse code
    )
    def get(self, request):
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        d = params.validated_data
        warehouse = warehouse_get_by_code(code=d["warehouse"]) if d.get("warehouse") else None
        kpis = kpis_compute(date_from=d["date_from"], date_to=d["date_to"], warehouse=warehouse)
        return Response(kpis.as_dict())
