"""Customer orders API (`/api/v1/orders/`; returns are in returns.py).

Partners (API key) see and create only their own orders (`orders:read` / `orders:write`);
staff sessions need the dispatcher role. One class per operation; each parses input (400 naming
the field), calls one service (409/422 naming the field) and honours `Idempotency-Key`.
Times without an offset are read in the warehouse's time zone.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ValidationFailed
from core.idempotency import idempotent
from core.output import FastOutputMixin, Prerendered, PrerenderedJSONRenderer, json_page
from inventory.models import Product
from inventory.selectors import warehouse_get_by_code
from orders.apis.common import (
    EventOutput,
    OrdersAccess,
    local_datetime,
    partner_of,
    staff_user,
    validated,
)
from orders.filters import OrderFilter
from orders.models import CustomerOrder, Priority, VehicleSkill
from orders.selectors import (
    order_get,
    order_get_for_api,
    order_list,
    orders_for_api,
)
from orders.selectors.documents import order_as_json, orders_as_json
from orders.services import (
    order_cancel,
    order_confirm,
    order_create,
    order_reschedule,
)


class LineOutput(FastOutputMixin, serializers.Serializer):
    id = serializers.IntegerField()
    product = serializers.CharField(source="product.sku")
    product_name = serializers.CharField(source="product.name")
    quantity = serializers.IntegerField()
    quantity_reserved = serializers.IntegerField()
    quantity_picked = serializers.IntegerField()
    quantity_delivered = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)


class ParcelOutput(FastOutputMixin, serializers.Serializer):
    label_code = serializers.CharField()
    weight_kg = serializers.DecimalField(max_digits=9, decimal_places=3)
    volume_m3 = serializers.DecimalField(max_digits=9, decimal_places=6)


class AttemptOutput(FastOutputMixin, serializers.Serializer):
    attempted_at = serializers.DateTimeField()
    outcome = serializers.CharField()
    failure_reason = serializers.CharField()
    note = serializers.CharField()


class CodCollectionOutput(FastOutputMixin, serializers.Serializer):
    method = serializers.CharField(help_text="cash or card")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    collected_at = serializers.DateTimeField()


class OrderOutput(FastOutputMixin, serializers.Serializer):
    # The list prints this in SQL (orders.selectors.documents): a new field goes there too.
    id = serializers.CharField(source="reference", help_text="The public id: the reference.")
    reference = serializers.CharField()
    external_ref = serializers.CharField()
    status = serializers.CharField()
    is_partial = serializers.BooleanField()
    warehouse = serializers.CharField(source="warehouse.code")
    customer = inline_serializer(
        "OrderCustomer",
        {
            "name": serializers.CharField(),
            "email": serializers.CharField(),
            "phone": serializers.CharField(),
        },
    )
    address = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    needs_location = serializers.BooleanField()
    location_note = serializers.CharField()
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()
    window2_start = serializers.DateTimeField(allow_null=True)
    window2_end = serializers.DateTimeField(allow_null=True)
    service_time_s = serializers.IntegerField()
    priority = serializers.IntegerField()
    required_skills = serializers.ListField(child=serializers.CharField())
    instructions = serializers.CharField()
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    contact_email = serializers.CharField()
    tracking_token = serializers.CharField()
    delivery_option = serializers.CharField(help_text="The delivery option taken, if any.")
    promised_date = serializers.DateField(allow_null=True)
    promised_window_start = serializers.DateTimeField(allow_null=True)
    promised_window_end = serializers.DateTimeField(allow_null=True)
    requires_pin = serializers.BooleanField(help_text="The driver needs the customer's PIN.")
    cod_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text="Cash on delivery to collect."
    )
    cod_currency = serializers.CharField()
    # From orders.selectors.orders_for_api, which reads them in the order's own query.
    lines = LineOutput(many=True, source="line_rows")
    parcels = ParcelOutput(many=True, source="parcel_rows")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    overwritten_fields = (
        "window_start",
        "window_end",
        "window2_start",
        "window2_end",
        "promised_window_start",
        "promised_window_end",
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        tz = instance.warehouse.tzinfo
        for name in self.overwritten_fields:
            value = getattr(instance, name)
            data[name] = timezone.localtime(value, tz).isoformat() if value else None
        return data


class OrderDetailOutput(OrderOutput):
    # The detail read prints this in SQL (orders.selectors.documents): a new field goes there
    # too. The writes below still answer through it.
    events = EventOutput(many=True, source="event_rows")
    attempts = AttemptOutput(many=True, source="attempt_rows")
    pin_state = serializers.CharField(
        source="delivery_pin.state",
        allow_null=True,
        help_text="sent, verified, failed, locked or overridden; null before a PIN is sent.",
    )
    cod_collection = CodCollectionOutput(allow_null=True, help_text="What the driver collected.")


def order_response(order: CustomerOrder, *, status_code=status.HTTP_200_OK) -> Response:
    order = order_get_for_api(reference=order.reference, user=None)
    return Response(OrderDetailOutput(order).data, status=status_code)


class OrderListCreateApi(OrdersAccess, generics.ListAPIView):
    """GET: the caller's orders, newest first; filters status (comma list), warehouse,
    external_ref, date (YYYY-MM-DD, window day in the warehouse zone), partner, q.
    POST: create an order with its lines."""

    serializer_class = OrderOutput
    filterset_class = OrderFilter
    # The list's page arrives as JSON text (orders_as_json prints OrderOutput's output).
    renderer_classes = [PrerenderedJSONRenderer]

    class InputSerializer(serializers.Serializer):
        external_ref = serializers.CharField(max_length=100, required=False, allow_blank=True)
        # With a delivery option the warehouse and window come from it (POST
        # /api/v1/delivery-options/{id}/reserve/); without one both are required.
        delivery_option = serializers.CharField(max_length=40, required=False, allow_blank=True)
        warehouse = serializers.CharField(max_length=10, required=False)
        customer = inline_serializer(
            "OrderCustomerInput",
            {
                "name": serializers.CharField(max_length=200),
                "email": serializers.EmailField(required=False, allow_blank=True),
                "phone": serializers.CharField(max_length=40, required=False, allow_blank=True),
            },
        )
        address = serializers.CharField(max_length=1000)
        latitude = serializers.DecimalField(
            max_digits=12, decimal_places=8, required=False, allow_null=True
        )
        longitude = serializers.DecimalField(
            max_digits=12, decimal_places=8, required=False, allow_null=True
        )
        window_start = serializers.CharField(required=False)
        window_end = serializers.CharField(required=False)
        window2_start = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        window2_end = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        service_time_s = serializers.IntegerField(min_value=0, max_value=14400, default=300)
        priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
        required_skills = serializers.ListField(
            child=serializers.ChoiceField(choices=VehicleSkill.choices),
            required=False,
            default=list,
        )
        instructions = serializers.CharField(required=False, allow_blank=True, max_length=2000)
        contact_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
        contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
        contact_email = serializers.EmailField(required=False, allow_blank=True)
        requires_pin = serializers.BooleanField(
            required=False, allow_null=True, default=None, help_text="Default: your setting."
        )
        cod_amount = serializers.DecimalField(
            max_digits=12, decimal_places=2, required=False, allow_null=True
        )
        cod_currency = serializers.CharField(max_length=3, required=False, allow_blank=True)
        lines = inline_serializer(
            "OrderLineInput",
            {
                "product": serializers.CharField(max_length=64),
                # Range checked by the service, whose error names the line (lines[0].quantity).
                "quantity": serializers.IntegerField(max_value=100000),
                "unit_price": serializers.DecimalField(
                    max_digits=12, decimal_places=2, min_value=0, required=False
                ),
            },
            many=True,
        )

    def get_queryset(self):
        return orders_for_api(order_list(user=self.request.user))

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(order_list(user=request.user))
        page = self.paginate_queryset(orders_as_json(queryset))
        return Response(json_page(self.paginator, [row["doc"] for row in page]))

    @extend_schema(request=InputSerializer, responses={201: OrderDetailOutput})
    @idempotent
    def post(self, request):
        d = validated(self.InputSerializer, request.data)
        delivery_option = d.get("delivery_option", "")
        if not d.get("warehouse") and not delivery_option:
            raise ValidationFailed("Give a warehouse (or a delivery option).", field="warehouse")
        warehouse = (
            warehouse_get_by_code(code=d["warehouse"], active_only=True, missing=ValidationFailed)
            if d.get("warehouse")
            else None
        )
        tz = warehouse.tzinfo if warehouse else timezone.get_current_timezone()
        skus = {line["product"] for line in d["lines"]}
        products = {p.sku: p for p in Product.objects.filter(sku__in=skus)}
        for index, line in enumerate(d["lines"]):
            if line["product"] not in products:
                raise ValidationFailed(
                    f"Unknown product '{line['product']}'.",
                    field=f"lines[{index}].product",
                    code="not_found",
                )
        order = order_create(
            warehouse=warehouse,
            partner=partner_of(request),
            external_ref=d.get("external_ref", ""),
            customer_name=d["customer"]["name"],
            customer_email=d["customer"].get("email", ""),
            customer_phone=d["customer"].get("phone", ""),
            address=d["address"],
            latitude=d.get("latitude"),
            longitude=d.get("longitude"),
            window_start=local_datetime(d.get("window_start"), tz, field="window_start"),
            window_end=local_datetime(d.get("window_end"), tz, field="window_end"),
            window2_start=local_datetime(d.get("window2_start"), tz, field="window2_start"),
            window2_end=local_datetime(d.get("window2_end"), tz, field="window2_end"),
            delivery_option=delivery_option,
            service_time_s=d["service_time_s"],
            priority=d["priority"],
            required_skills=d["required_skills"],
            instructions=d.get("instructions", ""),
            contact_name=d.get("contact_name", ""),
            contact_phone=d.get("contact_phone", ""),
            contact_email=d.get("contact_email", ""),
            requires_pin=d.get("requires_pin"),
            cod_amount=d.get("cod_amount"),
            cod_currency=d.get("cod_currency", ""),
            lines=[
                {
                    "product": products[line["product"]],
                    "quantity": line["quantity"],
                    "unit_price": line.get("unit_price") or 0,
                }
                for line in d["lines"]
            ],
            user=request.user if partner_of(request) is None else None,
        )
        return order_response(order, status_code=status.HTTP_201_CREATED)


class OrderDetailApi(OrdersAccess, APIView):
    # The order arrives as JSON text (order_as_json prints OrderDetailOutput's output).
    renderer_classes = [PrerenderedJSONRenderer]

    @extend_schema(responses=OrderDetailOutput)
    def get(self, request, reference):
        return Response(Prerendered(order_as_json(reference=reference, user=request.user)))


class OrderConfirmApi(OrdersAccess, APIView):
    """Reserve stock for every line (409 with `shortfall` when short, nothing reserved);
    `allow_partial: true` confirms what is available."""

    class InputSerializer(serializers.Serializer):
        allow_partial = serializers.BooleanField(default=False)

    @extend_schema(request=InputSerializer, responses=OrderDetailOutput)
    @idempotent
    def post(self, request, reference):
        order = order_get(reference=reference, user=request.user)  # 404 before any 400
        data = validated(self.InputSerializer, request.data)
        order = order_confirm(
            order=order,
            allow_partial=data["allow_partial"],
            user=staff_user(request),
        )
        return order_response(order)


class OrderCancelApi(OrdersAccess, APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=OrderDetailOutput)
    @idempotent
    def post(self, request, reference):
        order = order_get(reference=reference, user=request.user)  # 404 before any 400
        data = validated(self.InputSerializer, request.data)
        order = order_cancel(order=order, reason=data.get("reason", ""), user=staff_user(request))
        return order_response(order)


class OrderRescheduleApi(OrdersAccess, APIView):
    class InputSerializer(serializers.Serializer):
        window_start = serializers.CharField()
        window_end = serializers.CharField()
        window2_start = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        window2_end = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=OrderDetailOutput)
    @idempotent
    def post(self, request, reference):
        order = order_get(reference=reference, user=request.user)  # 404 before any 400
        d = validated(self.InputSerializer, request.data)
        tz = order.warehouse.tzinfo
        order = order_reschedule(
            order=order,
            window_start=local_datetime(d["window_start"], tz, field="window_start"),
            window_end=local_datetime(d["window_end"], tz, field="window_end"),
            window2_start=local_datetime(d.get("window2_start"), tz, field="window2_start"),
            window2_end=local_datetime(d.get("window2_end"), tz, field="window2_end"),
            reason=d.get("reason", ""),
            user=staff_user(request),
        )
        return order_response(order)
