"""Delivery options API: quote delivery dates (`POST /api/v1/delivery-options/`), hold one
(`POST /api/v1/delivery-options/{option_id}/reserve/`) and read a hold
(`GET /api/v1/delivery-options/reservations/{reference}/`).

Partners need `delivery_options:read` to ask and `orders:write` to hold (a hold is the first
step of an order); staff sessions need the dispatcher role. Times are ISO 8601 in the depot's
zone; a partner sees only its own holds (another's answers 404).
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFound
from core.idempotency import idempotent
from core.permissions import HasScope
from core.roles import Role
from orders.apis.common import partner_of, validated
from promising.models import PromiseReservation
from promising.selectors import delivery_options
from promising.services import delivery_option_reserve

PROBLEM = OpenApiResponse(description="Problem details naming the field.")


def _local(value, tz) -> str:
    return timezone.localtime(value, tz).isoformat()


class WishedWindow(serializers.Serializer):
    start = serializers.TimeField(help_text="Local time at the depot, HH:MM.")
    end = serializers.TimeField(help_text="After `start` (422 otherwise).")


class DeliveryOptionsApi(APIView):
    """The delivery dates and windows that can be promised for these items to this place."""

    parser_classes = [JSONParser]
    permission_classes = [HasScope]
    required_scopes = {"POST": "delivery_options:read"}
    allowed_roles = [Role.DISPATCHER]

    class InputSerializer(serializers.Serializer):
        destination = serializers.DictField(
            help_text='{"lat": 52.52, "lon": 13.40} or {"address": "…"}'
        )
        items = serializers.ListField(
            child=serializers.DictField(), help_text='[{"sku": "…", "quantity": 2}]'
        )
        wished_date = serializers.DateField(required=False)
        wished_window = WishedWindow(required=False)
        days = serializers.IntegerField(required=False, min_value=1, max_value=21)

        def validate(self, attrs):
            # A rule across fields of a schema-valid body: 422 (orders.apis.common.validated).
            window = attrs.get("wished_window")
            if window and window["start"] >= window["end"]:
                raise serializers.ValidationError(
                    {"wished_window": {"end": "The window must end after it starts."}}
                )
            return attrs

    class OptionOutput(serializers.Serializer):
        option_id = serializers.CharField()
        date = serializers.DateField()
        window_start = serializers.CharField()
        window_end = serializers.CharField()
        confidence = serializers.FloatField()
        cost = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False)
        currency = serializers.CharField()
        warehouse = serializers.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={200: OptionOutput(many=True), 422: PROBLEM},
        description="Options `{options: [...]}`; with none, `reasons` say why (stock "
        "shortfall per SKU with the expected date, full or unstaffed days).",
    )
    def post(self, request):
        from promising import conf

        data = validated(self.InputSerializer, request.data)
        if data.get("days", 0) > conf.get("PROMISING_MAX_DAYS"):
            data["days"] = conf.get("PROMISING_MAX_DAYS")
        window = data.get("wished_window")
        result = delivery_options(
            destination=data["destination"],
            items=data["items"],
            partner=partner_of(request),
            wished_date=data.get("wished_date"),
            wished_window=(window["start"], window["end"]) if window else None,
            days=data.get("days"),
        )
        options = []
        for option in result.options:
            tz = result.warehouses[option.warehouse].tzinfo
            options.append(
                {
                    "option_id": option.option_id,
                    "date": option.date.isoformat(),
                    "window_start": _local(option.window_start, tz),
                    "window_end": _local(option.window_end, tz),
                    "confidence": option.confidence,
                    "cost": float(option.cost),
                    "currency": option.currency,
                    "warehouse": option.warehouse,
                }
            )
        body = {
            "destination": {
                "lat": float(result.destination.latitude),
                "lon": float(result.destination.longitude),
            },
            "options": options,
        }
        if not options:
            body["reasons"] = result.reasons
        return Response(body)


def reservation_output(reservation: PromiseReservation) -> dict:
    tz = reservation.warehouse.tzinfo
    return {
        "id": reservation.reference,
        "status": reservation.status,
        "warehouse": reservation.warehouse.code,
        "date": reservation.date.isoformat(),
        "window_start": _local(reservation.window_start, tz),
        "window_end": _local(reservation.window_end, tz),
        "confidence": reservation.confidence,
        "cost": float(reservation.cost),
        "currency": reservation.currency,
        "expires_at": _local(reservation.expires_at, tz),
        "order": reservation.order.reference if reservation.order_id else None,
        "items": [
            {"sku": line.product.sku, "quantity": line.quantity} for line in reservation.lines.all()
        ],
    }


def _reservation_get(*, reference: str, request) -> PromiseReservation:
    qs = PromiseReservation.objects.select_related("warehouse", "order").prefetch_related(
        "lines__product"
    )
    partner = partner_of(request)
    qs = qs.filter(partner=partner) if partner is not None else qs
    reservation = qs.filter(reference=reference).first()
    if reservation is None:
        raise NotFound("Unknown delivery option reservation.", field="reference")
    return reservation


class DeliveryOptionReserveApi(APIView):
    """Hold the option's slot and stock for a short time (`expires_at`); create the order
    with `delivery_option` = the answer's `id` before then. 409 when it no longer fits."""

    parser_classes = [JSONParser]
    permission_classes = [HasScope]
    required_scopes = {"POST": "orders:write"}
    allowed_roles = [Role.DISPATCHER]

    @extend_schema(request=None, responses={201: dict, 404: PROBLEM, 409: PROBLEM})
    @idempotent
    def post(self, request, option_id):
        reservation = delivery_option_reserve(option_id=option_id, partner=partner_of(request))
        reservation = _reservation_get(reference=reservation.reference, request=request)
        return Response(reservation_output(reservation), status=status.HTTP_201_CREATED)


class DeliveryOptionReservationApi(APIView):
    parser_classes = [JSONParser]
    permission_classes = [HasScope]
    required_scopes = {"GET": "orders:read"}
    allowed_roles = [Role.DISPATCHER]

    @extend_schema(responses={200: dict, 404: PROBLEM})
    def get(self, request, reference):
        return Response(reservation_output(_reservation_get(reference=reference, request=request)))
