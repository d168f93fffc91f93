"""`POST /api/v1/routes/{id}/insert/`: put an order into a live route at its cheapest feasible
position, or (`dry_run`) say where it would go and what it would change.

Dispatchers (staff sessions) only, like every routing endpoint. The rules are routing's
(`routing.services.insertion`); this view parses, calls and renders.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from core.exceptions import NotFound
from core.idempotency import idempotent
from orders.models import CustomerOrder
from routing.apis import DispatcherApi, StopOutput
from routing.models import Route, Stop
from routing.services.insertion import insertion_check, order_insert
from routing.services.overrides import REASON_MAX


class StopPreviewOutput(serializers.Serializer):
    order = serializers.CharField()
    sequence = serializers.IntegerField()
    is_new = serializers.BooleanField()
    is_out_for_delivery = serializers.BooleanField()
    planned_before = serializers.DateTimeField(allow_null=True)
    planned_after = serializers.DateTimeField(allow_null=True)
    eta_before = serializers.DateTimeField(allow_null=True)
    eta_after = serializers.DateTimeField(allow_null=True)
    eta_after_low = serializers.DateTimeField(allow_null=True)
    eta_after_high = serializers.DateTimeField(allow_null=True)
    delay_s = serializers.IntegerField(source="shift_s", allow_null=True)
    is_late_risk = serializers.BooleanField()


class InsertionOutput(serializers.Serializer):
    route = serializers.IntegerField(source="route.pk")
    order = serializers.CharField(source="order.reference")
    feasible = serializers.BooleanField()
    reason = serializers.CharField()
    message = serializers.CharField()
    position = serializers.IntegerField(allow_null=True)
    added_distance_m = serializers.IntegerField()
    added_duration_s = serializers.IntegerField()
    added_cost = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    needs_override = serializers.BooleanField()
    out_for_delivery = serializers.SerializerMethodField()
    stops = StopPreviewOutput(many=True)

    def get_out_for_delivery(self, preview) -> list[str]:
        return [s.order.reference for s in preview.overtaken]


class RouteInsertApi(DispatcherApi):
    """Insert `order` (its reference) into the route at its cheapest feasible position, after
    the stops already done. `dry_run`: the preview only (200, nothing written; `feasible`
    false with the reason when it fits nowhere). Otherwise 201 with the new stop and the
    preview; 422 when it does not fit (the reason named), 409 when the route is not live or
    locked, the order is not packed or already on a route, or the position is ahead of an
    order out for delivery and `override` with a `reason` was not given."""

    class InputSerializer(serializers.Serializer):
        order = serializers.CharField(max_length=40)
        dry_run = serializers.BooleanField(default=False)
        override = serializers.BooleanField(default=False)
        reason = serializers.CharField(
            max_length=REASON_MAX, required=False, allow_blank=True, default=""
        )

    class InsertedOutput(InsertionOutput):
        stop = StopOutput(allow_null=True)

    @extend_schema(
        operation_id="routes_insert",
        request=InputSerializer,
        responses={
            200: OpenApiResponse(InsertionOutput, description="dry_run: the preview"),
            201: OpenApiResponse(InsertedOutput, description="inserted"),
            404: OpenApiResponse(description="unknown route or order"),
            409: OpenApiResponse(
                description="route not live, order routed or not packed, "
                "out-for-delivery override needed"
            ),
            422: OpenApiResponse(description="does not fit: the reason is named"),
        },
    )
    @idempotent
    def post(self, request, route_id):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        route = get_object_or_404(Route.objects.select_related("plan"), pk=route_id)
        order = CustomerOrder.objects.filter(reference=v["order"]).first()
        if order is None:
            raise NotFound(f"Unknown order {v['order']}.", field="order")
        preview = insertion_check(route=route, order=order)
        if v["dry_run"]:
            return Response(InsertionOutput(preview).data)
        stop = order_insert(
            route=route,
            order=order,
            override=v["override"],
            reason=v["reason"],
            user=request.user,
        )
        preview.position = stop.sequence
        body = dict(InsertionOutput(preview).data)
        body["stop"] = StopOutput(Stop.objects.select_related("order").get(pk=stop.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)
