"""Stock rows and stock operations (receive, transfer, adjust/count, condition change, scrap).

Each POST parses its input (400 naming the field), calls one service (409/422 naming the field)
and honours `Idempotency-Key`.
"""

from functools import cache

from django.db import transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ValidationFailed
from core.idempotency import idempotent
from core.internal_fields import InternalFieldsMixin
from core.output import (
    FastOutputMixin,
    PrerenderedJSONRenderer,
    json_page,
    sql_json_serializer,
    sql_zone,
)
from core.prepared import prepared_values
from core.serializer_fields import NonBlankCharField
from inventory.apis.access import InventoryAccess
from inventory.filters import StockFilter, StockMoveFilter
from inventory.lookups import location_lookup, product_lookup, stock_row_resolve
from inventory.models import Stock, StockCondition, StockMove
from inventory.services import (
    stock_adjust,
    stock_condition_change,
    stock_count,
    stock_receive,
    stock_scrap,
    stock_transfer,
)


class StockOutputSerializer(FastOutputMixin, serializers.ModelSerializer):
    product = serializers.CharField(source="product.sku")
    product_name = serializers.CharField(source="product.name")
    warehouse = serializers.CharField(source="location.warehouse.code")
    location = serializers.IntegerField(source="location_id")
    location_code = serializers.CharField(source="location.code")
    location_kind = serializers.CharField(source="location.kind")
    lot = serializers.CharField(source="lot.code", allow_null=True, default=None)
    expires_at = serializers.DateField(source="lot.expires_at", allow_null=True, default=None)
    available = serializers.IntegerField()

    class Meta:
        model = Stock
        fields = [
            "id",
            "product",
            "product_name",
            "warehouse",
            "location",
            "location_code",
            "location_kind",
            "lot",
            "expires_at",
            "condition",
            "on_hand",
            "reserved",
            "available",
            "received_at",
            "updated_at",
        ]


class MoveOutputSerializer(InternalFieldsMixin, serializers.ModelSerializer):
    product = serializers.CharField(source="product.sku")
    lot = serializers.CharField(source="lot.code", allow_null=True, default=None)
    user = serializers.CharField(source="user.username", allow_null=True, default=None)

    class Meta:
        model = StockMove
        fields = [
            "id",
            "kind",
            "product",
            "lot",
            "from_stock",
            "to_stock",
            "from_location",
            "to_location",
            "from_condition",
            "to_condition",
            "quantity",
            "unit_cost",
            "reference",
            "reason",
            "user",
            "created_at",
        ]
        # Our purchase cost and who booked the move (a staff user name): staff only.
        internal_fields = ("unit_cost", "user")


class StockListApi(InventoryAccess, generics.ListAPIView):
    """Stock rows with something on hand; filter by product (SKU), warehouse (code), location
    (id), location_kind, condition, lot, q (search)."""

    serializer_class = StockOutputSerializer
    filterset_class = StockFilter
    # The page arrives as JSON text: PostgreSQL prints each row as the serializer would.
    renderer_classes = [PrerenderedJSONRenderer]

    def get_queryset(self):
        return Stock.objects.filter(on_hand__gt=0)

    def list(self, request, *args, **kwargs):
        doc = RawSQL(_stock_sql(timezone.get_current_timezone_name()), ())  # noqa: S611
        rows = self.filter_queryset(self.get_queryset()).values("id").annotate(doc=doc)
        # Read by a statement prepared on the connection (core.prepared), as the order list is.
        page = self.paginate_queryset(prepared_values(rows))
        return Response(json_page(self.paginator, [row["doc"] for row in page]))


@cache
def _stock_sql(zone: str) -> str:
    """Each stock row's JSON text (StockOutputSerializer's, times in `zone`), its product,
    location, warehouse and lot read in a subselect of the row (never aliased here)."""
    s, p, loc, w, lot = "inventory_stock", "p", "l", "w", "lo"
    sources = {
        "id": f"{s}.id", "product": f"{p}.sku", "product_name": f"{p}.name",
        "warehouse": f"{w}.code", "location": f"{s}.location_id", "location_code": f"{loc}.code",
        "location_kind": f"{loc}.kind", "lot": f"{lot}.code", "expires_at": f"{lot}.expires_at",
        "condition": f"{s}.condition", "on_hand": f"{s}.on_hand", "reserved": f"{s}.reserved",
        "available": f"({s}.on_hand - {s}.reserved)", "received_at": f"{s}.received_at",
        "updated_at": f"{s}.updated_at",
    }  # fmt: skip
    doc = sql_json_serializer(StockOutputSerializer(), sources, zone=sql_zone(zone))
    tables = (
        f"inventory_product {p}, inventory_location {loc} "
        f"JOIN inventory_warehouse {w} ON {w}.id = {loc}.warehouse_id "
        f"LEFT JOIN inventory_lot {lot} ON {lot}.id = {s}.lot_id"
    )
    where = f"{p}.id = {s}.product_id AND {loc}.id = {s}.location_id"
    return " ".join(["(SELECT", doc, "FROM", tables, "WHERE", where + ")"])


class StockMoveListApi(InventoryAccess, generics.ListAPIView):
    """The ledger, newest first; filter by product, kind, warehouse, location, reference, user,
    date_from, date_to."""

    serializer_class = MoveOutputSerializer
    filterset_class = StockMoveFilter
    partner_may_read = False  # staff only: rows name other partners' orders and staff users
    partner_may_write = False

    def get_queryset(self):
        return StockMove.objects.select_related("product", "lot", "user")


class _StockKey(serializers.Serializer):
    product = NonBlankCharField(max_length=64, help_text="SKU")
    location = serializers.IntegerField(min_value=1, help_text="Location id")
    lot = serializers.CharField(max_length=64, required=False, allow_blank=True)
    condition = serializers.ChoiceField(choices=StockCondition.choices, default="good")
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class StockOperationOutput(serializers.Serializer):
    """What a stock operation on one row answers: the row after it and the move it booked."""

    stock = StockOutputSerializer()
    move = MoveOutputSerializer(allow_null=True)


StockPairOutput = inline_serializer(
    "StockPairOutput",
    fields={
        "from": StockOutputSerializer(),
        "to": StockOutputSerializer(),
        "move": MoveOutputSerializer(allow_null=True),
    },
)


class _StockOperationApi(InventoryAccess, APIView):
    """One stock operation: `post` validates the subclass's `InputSerializer` and hands the data
    to `perform`, which calls the service (in one transaction) and returns the rows to answer
    with (201)."""

    # JSON only, as the schema says: form encodings turn an empty field into a missing one.
    parser_classes = [JSONParser]
    InputSerializer: type[serializers.Serializer]
    # `one` rows answer StockOperationOutput; operations answering `pair` say StockPairOutput.
    Output = StockOperationOutput

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Each operation documents its own input; every one honours Idempotency-Key.
        cls.post = extend_schema(request=cls.InputSerializer, responses={201: cls.Output})(
            idempotent(cls._operate)
        )

    def _operate(self, request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            body = self.perform(serializer.validated_data, user=request.user)
        return Response(body, status=status.HTTP_201_CREATED)

    def perform(self, data: dict, *, user) -> dict:
        raise NotImplementedError

    def one(self, stock: Stock) -> dict:
        return {"stock": _stock_data(stock), "move": _last_move(stock, request=self.request)}

    def pair(self, source: Stock, target: Stock) -> dict:
        return {
            "from": _stock_data(source),
            "to": _stock_data(target),
            "move": _last_move(target, request=self.request),
        }


def _partner(user):
    """The partner of a partner key (its writes stay in the warehouses granted to it), else
    None (staff)."""
    return getattr(user, "partner", None)


def _stock_data(stock: Stock) -> dict:
    stock = Stock.objects.select_related("product", "location__warehouse", "lot").get(pk=stock.pk)
    return StockOutputSerializer(stock).data


def _last_move(stock: Stock, *, request) -> dict | None:
    move = (
        StockMove.objects.filter(Q(to_stock=stock) | Q(from_stock=stock))
        .select_related("product", "lot", "user")
        .order_by("-id")
        .first()
    )
    return MoveOutputSerializer(move, context={"request": request}).data if move else None


class StockReceiveApi(_StockOperationApi):
    """Receive units into a location (lot and expiry optional; a perishable gets a lot)."""

    class InputSerializer(serializers.Serializer):
        product = NonBlankCharField(max_length=64, help_text="SKU")
        location = serializers.IntegerField(min_value=1)
        quantity = serializers.IntegerField(min_value=1)
        condition = serializers.ChoiceField(choices=StockCondition.choices, default="good")
        lot = serializers.CharField(max_length=64, required=False, allow_blank=True)
        expires_at = serializers.DateField(required=False, allow_null=True)
        unit_cost = serializers.DecimalField(
            max_digits=12,
            decimal_places=4,
            min_value=0,
            required=False,
            allow_null=True,
            help_text="Our purchase cost per unit: staff only (a partner key sending it gets 422).",
        )
        reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def perform(self, data, *, user):
        if _partner(user) is not None and data.get("unit_cost") is not None:
            raise ValidationFailed(
                "unit_cost is an internal cost that only Waybill staff record.",
                field="unit_cost",
                code="staff_only",
            )
        stock = stock_receive(
            product=product_lookup(data["product"]),
            location=location_lookup(data["location"], "location", partner=_partner(user)),
            quantity=data["quantity"],
            condition=data["condition"],
            lot_code=data.get("lot") or None,
            expires_at=data.get("expires_at"),
            unit_cost=data.get("unit_cost"),
            reference=data.get("reference", ""),
            reason=data.get("reason", ""),
            user=user,
        )
        return self.one(stock)


class StockTransferApi(_StockOperationApi):
    """Move unreserved units to another location (another warehouse only when
    `between_warehouses` is true)."""

    Output = StockPairOutput

    class InputSerializer(_StockKey):
        to_location = serializers.IntegerField(min_value=1)
        quantity = serializers.IntegerField(min_value=1)
        between_warehouses = serializers.BooleanField(default=False)
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def perform(self, data, *, user):
        source = stock_row_resolve(data, partner=_partner(user))
        target = stock_transfer(
            stock=source,
            to_location=location_lookup(data["to_location"], "to_location", partner=_partner(user)),
            quantity=data["quantity"],
            between_warehouses=data["between_warehouses"],
            reason=data["reason"],
            reference=data["reference"],
            user=user,
        )
        return self.pair(source, target)


class StockAdjustApi(_StockOperationApi):
    """Adjust by `delta` (with a reason) or book a cycle count with `counted`; exactly one."""

    class InputSerializer(_StockKey):
        delta = serializers.IntegerField(
            required=False, help_text="Units to add (negative: remove). Not with `counted`."
        )
        counted = serializers.IntegerField(
            required=False, min_value=0, help_text="Units counted. Not with `delta`."
        )
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

        exactly_one_of = ("delta", "counted")  # documented as oneOf by core.schema.AutoSchema

        def validate(self, attrs):
            if ("delta" in attrs) == ("counted" in attrs):
                raise serializers.ValidationError(
                    {"delta": "Give either delta (an adjustment) or counted (a cycle count)."}
                )
            return attrs

    def perform(self, data, *, user):
        if "counted" in data:
            stock = stock_count(
                stock=stock_row_resolve(data, create=True, partner=_partner(user)),
                counted=data["counted"],
                reason=data["reason"],
                reference=data["reference"],
                user=user,
            )
        else:
            stock = stock_adjust(
                stock=stock_row_resolve(data, create=data["delta"] > 0, partner=_partner(user)),
                delta=data["delta"],
                reason=data["reason"],
                reference=data["reference"],
                user=user,
            )
        return self.one(stock)


class StockConditionChangeApi(_StockOperationApi):
    """Re-grade unreserved units (e.g. good → quarantined), optionally into another location."""

    Output = StockPairOutput

    class InputSerializer(_StockKey):
        to_condition = serializers.ChoiceField(choices=StockCondition.choices)
        to_location = serializers.IntegerField(min_value=1, required=False, allow_null=True)
        quantity = serializers.IntegerField(min_value=1)
        reason = NonBlankCharField(max_length=300)

    def perform(self, data, *, user):
        source = stock_row_resolve(data, partner=_partner(user))
        to_location = data.get("to_location")
        target = stock_condition_change(
            stock=source,
            to_condition=data["to_condition"],
            to_location=(
                location_lookup(to_location, "to_location", partner=_partner(user))
                if to_location
                else None
            ),
            quantity=data["quantity"],
            reason=data["reason"],
            reference=data["reference"],
            user=user,
        )
        return self.pair(source, target)


class StockScrapApi(_StockOperationApi):
    """Write off unreserved units with a reason."""

    class InputSerializer(_StockKey):
        quantity = serializers.IntegerField(min_value=1)
        reason = NonBlankCharField(max_length=300)

    def perform(self, data, *, user):
        stock = stock_scrap(
            stock=stock_row_resolve(data, partner=_partner(user)),
            quantity=data["quantity"],
            reason=data["reason"],
            reference=data["reference"],
            user=user,
        )
        return self.one(stock)
