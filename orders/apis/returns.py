"""Returns API (`/api/v1/returns/`): partners request returns of their own delivered orders;
staff receive or reject them. One class per operation; each honours `Idempotency-Key`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ValidationFailed
from core.idempotency import idempotent
from core.output import FastOutputMixin, Prerendered, PrerenderedJSONRenderer
from orders.apis.common import (
    EventOutput,
    OrdersAccess,
    StaffOnly,
    partner_of,
    staff_user,
    validated,
)
from orders.filters import ReturnFilter
from orders.models import Return, ReturnLine
from orders.selectors import (
    order_list,
    return_get,
    return_get_for_api,
    return_list,
    returns_for_api,
)
from orders.selectors.return_documents import return_as_json
from orders.services import return_receive, return_reject, return_request


class ReturnLineOutput(FastOutputMixin, serializers.Serializer):
    order_line = serializers.IntegerField(source="order_line_id")
    product = serializers.CharField(source="order_line.product.sku")
    quantity = serializers.IntegerField()
    reason = serializers.CharField()
    condition = serializers.CharField()


class ReturnOutput(FastOutputMixin, serializers.Serializer):
    id = serializers.CharField(source="reference", help_text="The public id: the RMA reference.")
    reference = serializers.CharField()
    order = serializers.CharField(source="order.reference")
    status = serializers.CharField()
    channel = serializers.CharField()
    method = serializers.CharField()
    pickup_address = serializers.CharField()
    pickup_latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    pickup_longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    rejection_reason = serializers.CharField()
    refund_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField()
    received_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class ReturnDetailOutput(ReturnOutput):
    # From orders.selectors.returns_for_api, which reads them in the return's own query.
    lines = ReturnLineOutput(many=True, source="line_rows")
    events = EventOutput(many=True, source="event_rows")


def return_response(ret: Return, request, *, status_code=status.HTTP_200_OK) -> Response:
    ret = return_get_for_api(reference=ret.reference, user=request.user)
    return Response(ReturnDetailOutput(ret).data, status=status_code)


class ReturnListCreateApi(OrdersAccess, generics.ListAPIView):
    """GET: returns (filters status, warehouse, order). POST: request a return of delivered
    items; decided by the return policy at once (422 with the policy reason when refused)."""

    serializer_class = ReturnOutput
    filterset_class = ReturnFilter

    class InputSerializer(serializers.Serializer):
        order = serializers.CharField(max_length=32)
        method = serializers.ChoiceField(choices=Return.Method.choices, default="pickup")
        pickup_address = serializers.CharField(required=False, allow_blank=True, max_length=1000)
        pickup_latitude = serializers.DecimalField(
            max_digits=12, decimal_places=8, required=False, allow_null=True
        )
        pickup_longitude = serializers.DecimalField(
            max_digits=12, decimal_places=8, required=False, allow_null=True
        )
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
        lines = inline_serializer(
            "ReturnLineInput",
            {
                "order_line": serializers.IntegerField(),
                "quantity": serializers.IntegerField(),
                "reason": serializers.ChoiceField(choices=ReturnLine.Reason.choices),
            },
            many=True,
        )

    def get_queryset(self):
        return returns_for_api(return_list(user=self.request.user))

    @extend_schema(request=InputSerializer, responses={201: ReturnDetailOutput})
    @idempotent
    def post(self, request):
        d = validated(self.InputSerializer, request.data)
        order = order_list(user=request.user).filter(reference=d["order"]).first()
        if order is None:
            raise ValidationFailed(
                f"Unknown order '{d['order']}'.", field="order", code="not_found"
            )
        ret = return_request(
            order=order,
            lines=[
                {"order_line_id": i["order_line"], "quantity": i["quantity"], "reason": i["reason"]}
                for i in d["lines"]
            ],
            channel=Return.Channel.PARTNER if partner_of(request) else Return.Channel.DISPATCHER,
            method=d["method"],
            pickup_address=d.get("pickup_address", ""),
            pickup_latitude=d.get("pickup_latitude"),
            pickup_longitude=d.get("pickup_longitude"),
            note=d.get("note", ""),
            user=staff_user(request),
        )
        return return_response(ret, request, status_code=status.HTTP_201_CREATED)


class ReturnDetailApi(OrdersAccess, APIView):
    # The return arrives as JSON text (return_as_json prints ReturnDetailOutput's output).
    renderer_classes = [PrerenderedJSONRenderer]

    @extend_schema(responses=ReturnDetailOutput)
    def get(self, request, reference):
        return Response(Prerendered(return_as_json(reference=reference, user=request.user)))


class ReturnReceiveApi(StaffOnly, APIView):
    """Warehouse receipt: `conditions` maps each return line's order_line id to good | damaged |
    unusable; optional `refund_amount` (default: units x unit price)."""

    class InputSerializer(serializers.Serializer):
        conditions = serializers.DictField(
            child=serializers.ChoiceField(choices=ReturnLine.Condition.choices)
        )
        refund_amount = serializers.DecimalField(
            max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
        )

    @extend_schema(request=InputSerializer, responses=ReturnDetailOutput)
    @idempotent
    def post(self, request, reference):
        ret = return_get(reference=reference, user=request.user)
        data = validated(self.InputSerializer, request.data)
        by_order_line = {str(line.order_line_id): line.pk for line in ret.lines.all()}
        conditions = {}
        for key, condition in data["conditions"].items():
            if str(key) not in by_order_line:
                raise ValidationFailed(
                    f"Order line {key} is not in this return.", field=f"conditions.{key}"
                )
            conditions[by_order_line[str(key)]] = condition
        ret = return_receive(
            ret=ret,
            conditions=conditions,
            refund_amount=data.get("refund_amount"),
            user=request.user,
        )
        return return_response(ret, request)


class ReturnRejectApi(StaffOnly, APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300)

    @extend_schema(request=InputSerializer, responses=ReturnDetailOutput)
    @idempotent
    def post(self, request, reference):
        ret = return_get(reference=reference, user=request.user)
        data = validated(self.InputSerializer, request.data)
        ret = return_reject(ret=ret, reason=data["reason"], user=request.user)
        return return_response(ret, request)
